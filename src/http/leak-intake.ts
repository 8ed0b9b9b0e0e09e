import { createHash, timingSafeEqual, verify } from 'node:crypto';
import { z } from 'zod';
import type { LeakOutcome } from '../domain/keys/leaked.js';
import { readLimitedBody } from '../http-io.js';
import type { ApiContext } from './context.js';
import { route, type Outcome, type RequestContext, type Route } from './route.js';
import type { GithubScanningKeys } from './scanning-keys.js';

/**
 * The scanners' intake of the leak response (docs/leak-response.md): GitHub's secret scanning partner
 * endpoint and GitLab's token revocation API. Both hand each token to `services.leaks.report`, the
 * same leak action a secret posted in Slack gets.
 */

/** GitHub sends up to 1,000 matches per call; each a few hundred bytes. */
const GITHUB_MAX_BODY_BYTES = 1024 * 1024;
const GITHUB_MAX_MATCHES = 1000;

const githubMatches = z
  .array(
    z.object({
      token: z.string().max(1000),
      type: z.string().max(200),
      url: z.string().max(2000).optional(),
      source: z.string().max(200).optional(),
    }),
  )
  .max(GITHUB_MAX_MATCHES);

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

const isTruePositive = (outcome: LeakOutcome): boolean => outcome.kind === 'leaked' || outcome.kind === 'replayed';

/**
 * `POST /scanning/github`: GitHub's partner contract. The raw body must carry a valid ECDSA P-256 /
 * SHA-256 signature (`Github-Public-Key-Signature`, base64 DER) by the key named in
 * `Github-Public-Key-Identifier`; anything else is 401 and changes nothing. The answer is GitHub's
 * feedback array: each token's SHA-256, its type and whether it was one of our keys.
 */
export function githubScanningRoute(api: ApiContext, keys: GithubScanningKeys): Route {
  return route({
    method: 'POST',
    path: '/scanning/github',
    // Read here, not by the router: the signature is over the exact bytes, and GitHub's batches exceed 8 KB.
    async handle(ctx) {
      const identifier = ctx.req.headers['github-public-key-identifier'];
      const signature = ctx.req.headers['github-public-key-signature'];
      const body = await readLimitedBody(ctx.req, GITHUB_MAX_BODY_BYTES);
      if (!body.ok) return body.error === 'too_large' ? ctx.error('scanning_payload_too_large', { connection: 'close' }) : 'aborted';
      if (typeof identifier !== 'string' || typeof signature !== 'string' || identifier === '' || signature === '')
        return ctx.error('scanning_signature_invalid');
      const key = await keys.keyFor(identifier);
      if (key.kind === 'unavailable') return ctx.error('scanning_keys_unavailable', { 'retry-after': '60' });
      if (key.kind === 'unknown') return ctx.error('scanning_signature_invalid');
      let valid = false;
      try {
        valid = verify('sha256', body.bytes, { key: key.key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
      } catch {
        // A signature that is not DER at all is as invalid as a wrong one.
        valid = false;
      }
      if (!valid) return ctx.error('scanning_signature_invalid');
      let parsed: z.infer<typeof githubMatches>;
      try {
        const result = githubMatches.safeParse(JSON.parse(body.bytes.toString('utf8')));
        if (!result.success) return ctx.error('invalid_request');
        parsed = result.data;
      } catch {
        return ctx.error('invalid_request');
      }
      const outcomes = await api.services.leaks.reportMany(
        parsed.map((match) => ({
          secret: match.token,
          sighting: {
            source: 'github' as const,
            sightingId: match.url === undefined || match.url === '' ? `${match.source ?? ''}:${sha256Hex(match.token)}` : match.url,
            ...(match.url === undefined || match.url === '' ? {} : { url: match.url }),
          },
        })),
      );
      const feedback = parsed.map((match, index) => ({
        token_hash: sha256Hex(match.token),
        token_type: match.type,
        label: outcomes[index] !== undefined && isTruePositive(outcomes[index]) ? ('true_positive' as const) : ('false_positive' as const),
      }));
      ctx.log('info', 'GitHub secret scanning report', {
        matches: parsed.length,
        ours: feedback.filter((f) => f.label === 'true_positive').length,
      });
      return ctx.json(200, feedback);
    },
  });
}

/** The pre-shared token, compared in constant time (by digest, so lengths do not show either). */
function authorized(ctx: RequestContext<unknown, unknown>, token: string): boolean {
  const given = ctx.req.headers.authorization;
  if (typeof given !== 'string') return false;
  const bare = given.startsWith('Bearer ') ? given.slice('Bearer '.length) : given;
  return timingSafeEqual(createHash('sha256').update(bare).digest(), createHash('sha256').update(token).digest());
}

const gitlabTokens = z
  .array(z.object({ type: z.string().min(1).max(100), token: z.string().min(1).max(1000), location: z.string().max(2000).optional() }))
  .min(1)
  .max(1000);

/** The one token type this service revokes (SPEC §12): our secrets, `aks_…`. */
export const REVOCABLE_TYPES = ['aks'] as const;

/**
 * GitLab's token revocation API (self-managed GitLab points its secret detection at any such service):
 * `GET /v1/revocable_token_types` and `POST /v1/revoke_tokens`, behind `Authorization: <LEAK_INTAKE_TOKEN>`.
 * Routes exist only while the token is set.
 */
export function gitlabRevocationRoutes(api: ApiContext, intakeToken: string | undefined): Route[] {
  if (intakeToken === undefined) return [];
  const refuse = (ctx: RequestContext<unknown, unknown>): Outcome | undefined =>
    authorized(ctx, intakeToken) ? undefined : ctx.error('leak_intake_unauthorized');
  return [
    route({
      method: 'GET',
      path: '/v1/revocable_token_types',
      body: 'none',
      handle(ctx) {
        return refuse(ctx) ?? ctx.json(200, { types: REVOCABLE_TYPES });
      },
    }),
    route({
      method: 'POST',
      path: '/v1/revoke_tokens',
      body: gitlabTokens,
      // An unauthorised caller hears 401 whatever it sent; only then is the body judged.
      refuseBody(ctx, problem) {
        const refused = refuse(ctx);
        if (refused !== undefined) return refused;
        return problem.kind === 'too_large' ? ctx.error('payload_too_large', { connection: 'close' }) : ctx.error('invalid_request');
      },
      async handle(ctx) {
        const refused = refuse(ctx);
        if (refused !== undefined) return refused;
        // GitLab may report the same token again (another push, a retry): one sighting per token and location.
        const outcomes = await api.services.leaks.reportMany(
          ctx.body
            .filter((entry) => (REVOCABLE_TYPES as readonly string[]).includes(entry.type))
            .map((entry) => ({
              secret: entry.token,
              sighting: {
                source: 'gitlab' as const,
                sightingId: `${entry.location ?? ''}:${sha256Hex(entry.token)}`,
                ...(entry.location === undefined ? {} : { url: entry.location }),
              },
            })),
        );
        const ours = outcomes.filter(isTruePositive).length;
        ctx.log('info', 'GitLab token revocation request', { tokens: ctx.body.length, ours });
        ctx.res.writeHead(204).end();
        return 'revoked';
      },
    }),
  ];
}
