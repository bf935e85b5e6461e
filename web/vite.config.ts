import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The bundle is built into the Python package, which serves it at `/`.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/ringback/ui",
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8000", ws: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
