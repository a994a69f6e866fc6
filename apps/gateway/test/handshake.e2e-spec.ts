import jwt from 'jsonwebtoken';
import { startGateway, type RunningGateway } from './support/gateway-harness';
import { connectAs, refusalOf } from './support/socket-helpers';

const SECRET = 'e2e-secret-with-enough-length-for-hs256';

describe('handshake authentication with AUTH_JWT_SECRET set', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startGateway({ AUTH_JWT_SECRET: SECRET });
  });

  afterAll(() => gateway.close());

  it('accepts a valid HS256 token and takes the user from its sub', async () => {
    const socket = await connectAs(gateway.url, {
      token: jwt.sign({ sub: 'alice' }, SECRET, { expiresIn: 60 }),
    });
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it.each([
    ['an Auth0 subject', 'auth0|5f7c8ec7c33c6c004bbafe82'],
    ['a subject that is a URI', 'https://id.example.com/users/42'],
    ['an e-mail address', 'alice@example.com'],
    ['a subject beyond ASCII', 'ユーザー-ß'],
    ['a subject of 255 characters', 'u'.repeat(255)],
  ])(
    'accepts a valid token whose sub is %s, as identity providers issue them',
    async (_case, sub) => {
      const socket = await connectAs(gateway.url, { token: jwt.sign({ sub }, SECRET) });
      expect(socket.connected).toBe(true);
      socket.close();
    },
  );

  it.each([
    ['no token at all', {}],
    ['a token whose sub holds a line break', { token: jwt.sign({ sub: 'alice\nforged' }, SECRET) }],
    ['a token whose sub is empty', { token: jwt.sign({ sub: '' }, SECRET) }],
    [
      'a token whose sub is over 255 characters',
      { token: jwt.sign({ sub: 'u'.repeat(256) }, SECRET) },
    ],
    ['a bare userId (development only)', { userId: 'alice' }],
    ['a malformed token', { token: 'not-a-jwt' }],
    ['a token signed with another secret', { token: jwt.sign({ sub: 'alice' }, 'another-secret') }],
    [
      'an expired token',
      { token: jwt.sign({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 10 }, SECRET) },
    ],
    ['a token without sub', { token: jwt.sign({ name: 'alice' }, SECRET) }],
    [
      'an unsigned token (alg none)',
      { token: jwt.sign({ sub: 'alice' }, '', { algorithm: 'none' }) },
    ],
  ])('refuses %s with connect_error "unauthorized"', async (_case, auth) => {
    await expect(refusalOf(gateway.url, auth)).resolves.toBe('unauthorized');
  });
});

describe('handshake authentication in development (no secret)', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(() => gateway.close());

  it('accepts auth { userId } without a token', async () => {
    const socket = await connectAs(gateway.url, { userId: 'dev-user' });
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it('refuses a handshake with neither token nor userId', async () => {
    await expect(refusalOf(gateway.url, {})).resolves.toBe('unauthorized');
  });

  it('answers GET /health/live with 200 once serving', async () => {
    const response = await fetch(`${gateway.url}/health/live`);
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toMatchObject({ status: 'ok' });
  });

  it('serves the chat page at /', async () => {
    const response = await fetch(`${gateway.url}/`);
    expect(response.status).toBe(200);
    await expect(response.text()).resolves.toContain('<title>Agent Gateway chat</title>');
  });
});
