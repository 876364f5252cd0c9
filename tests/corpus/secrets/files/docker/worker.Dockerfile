FROM node:20
ENV SENTRY_AUTH_TOKEN=9392a44cc778bf3113795c5e96e15a80f0962bf4d129f7170680ed4cac2adf2f \
    NODE_ENV=production
RUN --mount=type=secret,id=npm_token npm ci
