import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import Testing

/// A proposal's `callback_url` is a probe: only a URL whose host and port an allow-list entry
/// names is accepted, read strictly (no user information, no second reading of the host).
@Suite struct CallbackURLTests {
    static let allowList: Set<String> = ["hooks.example.com", "hooks.example.com:8443", "[::1]:9000", "127.0.0.1:8080"]

    @Test(arguments: [
        "https://hooks.example.com/cb", "https://HOOKS.Example.COM/cb", "https://hooks.example.com./cb", "https://hooks.example.com:443/cb",
        "http://hooks.example.com/cb", "HTTPS://hooks.example.com/cb", "https://hooks.example.com:8443/cb?x=1#y", "http://[::1]:9000/cb",
        "http://127.0.0.1:8080/x", "https://hooks.example.com",
    ])
    func anAllowedHostAndPortIsAccepted(url: String) async throws {
        let gateway = try await Self.gateway()
        var proposal = heldRefund()
        proposal.callbackURL = url
        #expect(try await gateway.propose(proposal, by: agent).created)
    }

    @Test(arguments: [
        "https://hooks.example.com:444/cb", "http://hooks.example.com:443/cb", "https://user:pw@hooks.example.com/cb",
        "https://hooks.example.com@evil.example/cb", "https://evil.example\\@hooks.example.com/", "https://evil.example#@hooks.example.com/",
        "https://hooks.example.com.evil.example/cb", "https://evilhooks.example.com/", "http://[::1]/cb", "http://[::1%25lo]:9000/",
        "http://[0:0:0:0:0:0:0:1]:9000/", "http://2130706433:8080/", "http://0x7f.0.0.1:8080/", "http://127.1:8080/", "http://0177.0.0.1:8080/",
        "https://hooks.example.com:08443/", "https://hooks.example.com:+8443/", "https://hooks%2eexample.com/", "ftp://hooks.example.com/",
        "https://hooks.example.com /cb", "https://hooks.example.com:8443:1/", "https://hooks..example.com/", "https:///hooks.example.com/",
        "//hooks.example.com/cb", "https://hooks.example.com\u{3002}/", "https://hooks.example.com:0/", "https://hooks.example.com:65536/",
        "https://[::1]:9000@evil.example/", "https://hooks.example.com\t/",
    ])
    func anythingElseIsRefused(url: String) async throws {
        let gateway = try await Self.gateway()
        var proposal = heldRefund()
        proposal.callbackURL = url
        let error = await #expect(throws: GatewayError.self) { try await gateway.propose(proposal, by: agent) }
        #expect(error?.code.rawValue == "invalid_proposal")
        #expect(error?.message.contains("evil") == false, "the message does not repeat the URL")
    }

    @Test(arguments: [
        ("hooks.example.com", "hooks.example.com"), ("Hooks.Example.com.", "hooks.example.com"), ("hooks.example.com:8443", "hooks.example.com:8443"),
        ("[::1]:9000", "[::1]:9000"), ("[2001:DB8::1]", "[2001:db8::1]"), ("10.0.0.1:80", "10.0.0.1:80"),
    ])
    func entriesAreReadAndWrittenBack(entry: String, written: String) throws {
        #expect(try #require(HostAndPort(entry: entry)).description == written)
    }

    @Test(arguments: [
        "", "hooks.example.com:", "hooks.example.com:x", "https://hooks.example.com", "a@b", "[::1", "::1", "hooks/x", "héllo.com", "1.2.3",
    ])
    func malformedEntriesAreRefused(entry: String) {
        #expect(HostAndPort(entry: entry) == nil)
    }

    static func gateway() async throws -> Gateway {
        Gateway(
            store: try await StoreKind.sqlite.make(),
            configuration: .init(policy: .default, webhooks: ["support-bot": WebhookTarget(url: nil, callbackHosts: allowList)]))
    }
}
