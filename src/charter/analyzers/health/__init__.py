"""health-checks: services expose health in code, containers and orchestrator manifests."""
