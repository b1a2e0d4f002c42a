import Foundation
import Hummingbird
import Prometheus

/// `GET /healthz`, `GET /metrics` (Prometheus text format) and `GET /openapi.yaml`.
struct OperationsController {
    typealias Context = CountersignRequestContext
    let registry: PrometheusCollectorRegistry
    let openAPI: [UInt8]

    func addRoutes(to router: Router<Context>) {
        router.get("healthz") { _, _ in
            APIEncoding.response(Array(#"{"status":"ok"}"#.utf8))
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
