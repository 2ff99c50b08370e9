// The dashboard's build: one page, served by `propdesk serve` from web/dist.
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

const api = process.env.PROPDESK_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [vue()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 400 },
  // `npm run dev` serves the sources with hot reload, the API proxied to a running server.
  server: { proxy: { "/api": { target: api, ws: true } } },
});
