import { isIP } from 'node:net';

/**
 * The address a use is counted under (its /24 or /48 in the key's usage report): the `ip` a verify
 * caller passed for its own end caller when it is an IP address, else the caller's address as the HTTP
 * layer reads it (`clientAddress`, client.ts). One place, so the forwarded-header rules (TRUST_PROXY_CIDRS)
 * reach the usage counters through `clientAddress` alone.
 */
export function usageAddress(client: string, passedIp: unknown): string {
  return typeof passedIp === 'string' && passedIp.length <= 64 && isIP(passedIp) !== 0 ? passedIp : client;
}
