import type { NextConfig } from 'next';

// A side build (AURA_NEXT_DIST_DIR, e.g. one per change under test in a shared checkout) skips the
// type check and lint that `pnpm typecheck` / `pnpm lint` run anyway; the default build keeps them.
const sideBuild = Boolean(process.env.AURA_NEXT_DIST_DIR);

const nextConfig: NextConfig = {
  distDir: process.env.AURA_NEXT_DIST_DIR || '.next',
  typescript: { ignoreBuildErrors: sideBuild },
  eslint: { ignoreDuringBuilds: sideBuild },
  // The workspace packages ship TypeScript source with extensionless imports: compile them here.
  transpilePackages: ['@aura/api', '@aura/db'],
  // Native addon: loaded from node_modules at runtime, never bundled.
  serverExternalPackages: ['better-sqlite3'],
  // Mantine's barrel files: import only the components a page uses.
  experimental: {
    optimizePackageImports: ['@mantine/core', '@mantine/hooks', '@mantine/charts'],
  },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
