import ServiceLifecycle

/// A service under a fixed name. ServiceLifecycle names each service in its log lines by
/// describing it (`"\(service)"`), which for a struct lists every stored property: channel
/// configurations, approvers' addresses. Wrapped, a service is logged by its name alone.
struct NamedService: Service, CustomStringConvertible {
    let description: String
    let service: any Service

    init(_ name: String, _ service: any Service) {
        description = name
        self.service = service
    }

    func run() async throws { try await service.run() }
}
