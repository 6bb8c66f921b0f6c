// A real OpenID Connect provider for Flatline's end-to-end tests: the npm package
// `oidc-provider` on 127.0.0.1, with its development login form (any username, any password).
//
// Usage: node provider.mjs   (configured by environment variables)
//   OIDC_PORT                  port to listen on (0 = any free port)
//   OIDC_REDIRECT_URIS         comma-separated redirect URIs allowed for every client
//   OIDC_CLAIMS_IN_ID_TOKEN    "true": put email/name in the ID token too (default: userinfo only,
//                              as oidc-provider and several real providers do)
// Clients: `flatline` (client_secret_basic) and `flatline-post` (client_secret_post), both
// with the secret `flatline-test-secret`. Prints `listening on http://127.0.0.1:PORT` when ready.
import http from 'node:http';
import Provider from 'oidc-provider';

const redirectUris = (process.env.OIDC_REDIRECT_URIS || '').split(',').filter(Boolean);
const claimsInIdToken = process.env.OIDC_CLAIMS_IN_ID_TOKEN === 'true';

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.OIDC_PORT || 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const client = (id, method) => ({
  client_id: id,
  client_secret: 'flatline-test-secret',
  redirect_uris: redirectUris,
  response_types: ['code'],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: method,
});

const provider = new Provider(issuer, {
  clients: [client('flatline', 'client_secret_basic'), client('flatline-post', 'client_secret_post')],
  // Every login is accepted; the account's claims derive from the username typed in.
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@example.test`, email_verified: true, name: `User ${id}` };
      },
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: !claimsInIdToken,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  // Tests run in plain HTTP on loopback: cookies must not be `Secure`.
  cookies: { long: { secure: false }, short: { secure: false } },
});
provider.proxy = false;

// oidc-provider accepts basic and post interchangeably; stricter providers insist on the
// registered method. Be strict for `flatline-post`, so tests can tell which one was used.
provider.use(async (ctx, next) => {
  const auth = ctx.get('authorization');
  if (ctx.path === '/token' && auth.startsWith('Basic ')) {
    const id = decodeURIComponent(Buffer.from(auth.slice(6), 'base64').toString().split(':')[0]);
    if (id === 'flatline-post') {
      ctx.status = 401;
      ctx.body = { error: 'invalid_client', error_description: 'flatline-post must use client_secret_post' };
      return;
    }
  }
  await next();
});

server.on('request', provider.callback());
console.log(`listening on ${issuer}`);
