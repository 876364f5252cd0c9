FROM node:20
ENV SENTRY_AUTH_TOKEN=1cccab4f92d2bbc1de562d6d244b32ca92f370997b5125b1c760bc7c40a23605 \
    NODE_ENV=production
RUN --mount=type=secret,id=npm_token npm ci
