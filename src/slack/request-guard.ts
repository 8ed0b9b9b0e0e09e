import type { RequestListener } from 'node:http';

/** Slack's replay window; Bolt enforces it for old timestamps only. */
const MAX_SKEW_SECONDS = 300;

/**
 * Bolt rejects timestamps older than five minutes but accepts any in the future, so a captured request
 * signed with a far-future timestamp could be replayed for as long as that timestamp lies ahead. We
 * close that half of the window here, before Bolt sees the request (Bolt itself accepts timestamps from the future).
 */
export function rejectFutureTimestamps(next: RequestListener, nowSeconds = () => Math.floor(Date.now() / 1000)): RequestListener {
  return (req, res) => {
    const header = req.headers['x-slack-request-timestamp'];
    const timestamp = Number(Array.isArray(header) ? header[0] : header);
    if (Number.isFinite(timestamp) && timestamp > nowSeconds() + MAX_SKEW_SECONDS) {
      res.writeHead(401).end();
      req.resume();
      return;
    }
    next(req, res);
  };
}
