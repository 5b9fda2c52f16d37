// Tests never reach the network except loopback; each test file builds what it needs from tests/helpers.
process.env.NODE_ENV = 'test';
