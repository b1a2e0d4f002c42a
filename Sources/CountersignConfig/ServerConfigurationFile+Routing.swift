import CountersignCore
import Foundation
import Yams

/// Slack under `channels:`, and the `routing:` section.
extension ServerConfigurationFile {
    /// `slack: {bot_token_env: …, signing_secret_env: …, channel: "#approvals", api_url: …}` under `channels:`.
    static func readSlack(_ value: Node, _ configuration: inout ServerConfiguration, _ reader: inout YAMLReader, _ environment: [String: String]) {
        let allowed = ["bot_token_env", "signing_secret_env", "channel", "api_url"]
        guard let members = reader.mapping(value, "channels.slack", allowed: allowed) else { return }
        let token = readSecret(members, "bot_token_env", value, &reader, environment)
        let secret = readSecret(members, "signing_secret_env", value, &reader, environment)
        var channel: String?
        var apiURL = "https://slack.com/api"
        for (member, _, memberValue) in members {
            if member == "channel" { channel = reader.string(memberValue, "channels.slack.channel") }
            if member == "api_url", let text = reader.string(memberValue, "channels.slack.api_url") {
                guard let url = URLComponents(string: text), url.scheme == "https" || url.scheme == "http", url.host?.isEmpty == false else {
                    reader.record(memberValue, "channels.slack.api_url must be an http or https URL")
                    continue
                }
                apiURL = text
            }
        }
        guard let token, let secret else { return }
        configuration.channels.slack = .init(botToken: token, signingSecret: secret, channel: channel, apiURL: apiURL)
    }

    /// `routing: {groups: {…}, routes: [{match: {…}, steps: [{…}]}], digest: {…}, caps: {…}}`
    static func readRouting(_ node: Node, _ configuration: inout ServerConfiguration, _ reader: inout YAMLReader) {
        let approvers = Set(configuration.approvers.map(\.name))
        var routing = Routing()
        let members = reader.mapping(node, "routing", allowed: ["groups", "routes", "digest", "caps"]) ?? []
        for (key, _, value) in members where key == "groups" {
            for (group, _, list) in reader.mapping(value, "routing.groups") ?? [] {
                let names = (reader.sequence(list, "routing.groups.\(group)") ?? []).compactMap { item -> String? in
                    guard let name = reader.string(item, "routing.groups.\(group) entries") else { return nil }
                    if !approvers.contains(name) { reader.record(item, "routing.groups.\(group) names \(name), who is not an approver") }
                    return name
                }
                routing.groups[group] = names
            }
        }
        for (key, _, value) in members {
            switch key {
            case "routes":
                for item in reader.sequence(value, "routing.routes") ?? [] {
                    if let route = readRoute(
                        item, groups: routing.groups, approvers: approvers, policyCurrency: configuration.policy.currency, &reader)
                    {
                        routing.routes.append(route)
                    }
                }
            case "digest":
                for (member, _, memberValue) in reader.mapping(value, "routing.digest", allowed: ["every", "channels"]) ?? [] {
                    if member == "every" { routing.digest.every = reader.duration(memberValue, "routing.digest.every") ?? routing.digest.every }
                    if member == "channels" { routing.digest.channels = readChannelList(memberValue, "routing.digest.channels", &reader) }
                }
            case "caps":
                for (_, _, memberValue) in reader.mapping(value, "routing.caps", allowed: ["pushes_per_hour"]) ?? [] {
                    routing.caps.pushesPerHour = reader.integer(memberValue, "routing.caps.pushes_per_hour", minimum: 1)
                }
            default: break
            }
        }
        configuration.routing = routing
    }

    private static func readRoute(
        _ node: Node, groups: [String: [String]], approvers: Set<String>, policyCurrency: String, _ reader: inout YAMLReader
    ) -> Routing.Route? {
        guard let members = reader.mapping(node, "a route", allowed: ["match", "steps"]) else { return nil }
        var route = Routing.Route(steps: [])
        for (key, _, value) in members {
            if key == "match" {
                let allowed = ["risk_classes", "operations", "amount_over"]
                for (member, _, memberValue) in reader.mapping(value, "routing.routes[].match", allowed: allowed) ?? [] {
                    switch member {
                    case "amount_over":
                        route.match.amountOver = readAmountLimit(memberValue, "match.amount_over", policyCurrency: policyCurrency, &reader)
                    case "risk_classes": route.match.riskClasses = Set(readStrings(memberValue, "match.risk_classes", &reader))
                    default: route.match.operations = Set(readStrings(memberValue, "match.operations", &reader))
                    }
                }
            } else {
                for item in reader.sequence(value, "routing.routes[].steps") ?? [] {
                    guard let stepMembers = reader.mapping(item, "a step", allowed: ["groups", "approvers", "channels", "wait"]) else { continue }
                    var step = Routing.Step()
                    for (member, _, memberValue) in stepMembers {
                        switch member {
                        case "groups":
                            for group in reader.sequence(memberValue, "steps[].groups") ?? [] {
                                guard let name = reader.string(group, "steps[].groups entries") else { continue }
                                if groups[name] == nil { reader.record(group, "group \(name) is not defined under routing.groups") }
                                step.groups.append(name)
                            }
                        case "approvers":
                            for approver in reader.sequence(memberValue, "steps[].approvers") ?? [] {
                                guard let name = reader.string(approver, "steps[].approvers entries") else { continue }
                                if !approvers.contains(name) { reader.record(approver, "\(name) is not an approver") }
                                step.approvers.append(name)
                            }
                        case "channels": step.channels = readChannelList(memberValue, "steps[].channels", &reader)
                        default: step.wait = reader.duration(memberValue, "steps[].wait")
                        }
                    }
                    if step.groups.isEmpty && step.approvers.isEmpty { reader.record(item, "a step needs groups or approvers") }
                    route.steps.append(step)
                }
            }
        }
        if route.steps.isEmpty { reader.record(node, "a route needs at least one step") }
        return route
    }

    private static func readStrings(_ node: Node, _ path: String, _ reader: inout YAMLReader) -> [String] {
        (reader.sequence(node, path) ?? []).compactMap { reader.string($0, "\(path) entries") }
    }

    private static func readChannelList(_ node: Node, _ path: String, _ reader: inout YAMLReader) -> [ChannelKind] {
        (reader.sequence(node, path) ?? []).compactMap { item in
            guard let name = reader.string(item, "\(path) entries") else { return nil }
            guard let channel = ChannelKind(rawValue: name) else {
                reader.record(item, "\(path): unknown channel \(name) (expected one of slack, email, sms)")
                return nil
            }
            return channel
        }
    }
}
