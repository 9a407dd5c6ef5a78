// esbuild bundles an imported stylesheet into the build's CSS file; the import itself has no value.
declare module "*.css";
