import Hummingbird
import Synchronization

/// The methods each served path takes, so that a request for a path that exists with another
/// method gets 405 with `Allow` rather than 404. Filled once the router has all its routes; read
/// only when the router matched none.
final class RouteMethods: Sendable {
    private struct Route {
        /// Literal segments, and `nil` for a parameter (`{id}` in Hummingbird's description).
        var segments: [Substring?]
        var method: HTTPRequest.Method
    }

    private let routes = Mutex<[Route]>([])

    func load(_ served: [(path: String, method: HTTPRequest.Method)]) {
        routes.withLock { routes in
            routes = served.map { route in
                Route(
                    segments: route.path.split(separator: "/").map { $0.contains("{") || $0.contains("*") ? nil : $0 },
                    method: route.method)
            }
        }
    }

    /// The methods `path` is served with, in a stable order; empty when no route has this path.
    func allowed(path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        let methods = routes.withLock { routes in
            routes.filter { route in
                route.segments.count == segments.count
                    && zip(route.segments, segments).allSatisfy { pattern, segment in pattern.map { $0 == segment } ?? true }
            }.map(\.method)
        }
        return Array(Set(methods)).sorted { $0.rawValue < $1.rawValue }
    }
}
