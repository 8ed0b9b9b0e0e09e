/**
 * The part of autocannon's programmatic API the benchmarks use (the package ships no types, and a
 * types package is not worth a dependency for one script).
 */
declare module 'autocannon' {
  export interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    setupRequest?: (request: Request, context: Record<string, unknown>) => Request;
  }
  /** One connection's client (reconnects keep the same one). */
  export interface Client {
    /** Replaces the requests this connection cycles through (each is encoded once, per connection). */
    setRequests(requests: Request[]): void;
  }
  export interface Options {
    url: string;
    connections?: number;
    /** Called once per connection, as its client is made. */
    setupClient?: (client: Client) => void;
    duration?: number;
    pipelining?: number;
    headers?: Record<string, string>;
    requests?: Request[];
  }
  export interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
    p99_9: number;
  }
  export interface Result {
    requests: Histogram;
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
  }
  /**
   * A run in progress: an EventEmitter with `then` and `catch` bound on (no `finally`), so awaitable;
   * `response` fires once per answered request (latency in ms).
   */
  export interface Instance extends PromiseLike<Result> {
    catch(onRejected: (reason: unknown) => unknown): Promise<unknown>;
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
  }
  function autocannon(options: Options): Instance;
  export default autocannon;
}
