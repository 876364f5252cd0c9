#!/bin/sh
set -eu
export VAULT_TOKEN="hvs.8eI4bEg2ldfLfHINYTFAKE8D"
DEPLOY_TOKEN=gldt-wpjEYyj8rFAKEYgoGo3m
curl -fsS "https://deploy:fakeeTJ#9fJ#RY2@artifacts.example.com/orders.tar.gz" -o orders.tar.gz
export DB_PASSWORD="$(cat /run/secrets/db)"
TOKEN="${CI_JOB_TOKEN}"
echo "password: ********"
