import CountersignStore
import Foundation
import Hummingbird
import Prometheus

/// `GET /healthz`, `GET /metrics` (Prometheus text format) and `GET /openapi.yaml`.
struct OperationsController {
    typealias Context = CountersignRequestContext
    let store: any GatewayStore
    let registry: PrometheusCollectorRegistry
    let openAPI: [UInt8]
    /// How long `/healthz` waits for the store (for a connection, then for its answer).
    var healthLimit: Duration = .seconds(2)

    func addRoutes(to router: Router<Context>) {
        // 200 while the store answers a trivial query; 503 `store_unavailable` (with Retry-After) when it cannot.
        router.get("healthz") { _, _ in
            try await store.checkAvailable(within: healthLimit)
            return APIEncoding.response(Array(#"{"status":"ok"}"#.utf8))
        }
        router.get("metrics") { _, _ in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
    }
}
