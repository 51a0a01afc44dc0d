import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // The workspace packages ship TypeScript source with extensionless imports: compile them here.
  transpilePackages: ['@aura/api', '@aura/db'],
  // Native addon: loaded from node_modules at runtime, never bundled.
  serverExternalPackages: ['better-sqlite3'],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
