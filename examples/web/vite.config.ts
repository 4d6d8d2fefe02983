import { defineConfig } from 'vite';

// The page talks to the gateway at VITE_GATEWAY_URL (default http://localhost:4000/graphql).
export default defineConfig({
  root: __dirname,
  server: { port: 5173 },
  build: { target: 'es2022' },
});
