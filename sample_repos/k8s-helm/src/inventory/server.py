"""The inventory gRPC server."""

from concurrent import futures

import grpc


def serve(port: int = 50051) -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_insecure_port(f"[::]:{port}")
    server.start()
    server.wait_for_termination()
