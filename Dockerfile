# syntax=docker/dockerfile:1
ARG DENO_VERSION=2.9.6

FROM denoland/deno:debian-${DENO_VERSION} AS deps
WORKDIR /app
COPY deno.json deno.lock ./
# The service's npm packages, from the lockfile, in their own layer: deno.lock pins only what
# src/ imports (the test tools are pinned in tests/deno.lock, which never enters the image)
RUN deno install --frozen

FROM denoland/deno:debian-${DENO_VERSION}
WORKDIR /app
ENV ENVIRONMENT=production \
    PORT=8000 \
    DENO_NO_UPDATE_CHECK=1
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /deno-dir /deno-dir
COPY deno.json deno.lock ./
COPY src ./src
COPY openapi ./openapi
RUN deno check src/main.ts && chown -R deno:deno /app
USER deno
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:' + (Deno.env.get('PORT') ?? '8000') + '/health/live'); Deno.exit(r.ok ? 0 : 1)"]
CMD ["deno", "task", "start"]
