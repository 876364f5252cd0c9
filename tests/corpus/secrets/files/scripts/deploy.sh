#!/bin/sh
set -eu
export VAULT_TOKEN="hvs.S6by9hFAKEBcAAEfl3e3Fxdl"
DEPLOY_TOKEN=gldt-615U37f5FAKEAMQtGuYq
curl -fsS "https://deploy:fakeMBuV5x6mKzQ@artifacts.example.com/orders.tar.gz" -o orders.tar.gz
export DB_PASSWORD="$(cat /run/secrets/db)"
TOKEN="${CI_JOB_TOKEN}"
echo "password: ********"
