/// The arguments of one command, consumed option by option; what is left are the
/// positionals. Hand-written: swift-argument-parser cannot be fetched on the build machines.
struct ArgumentList {
    private var items: [String]
    /// After `--` everything is positional, even `-x`.
    private var literal: [String]

    init(_ arguments: [String]) {
        if let split = arguments.firstIndex(of: "--") {
            items = Array(arguments[..<split])
            literal = Array(arguments[(split + 1)...])
        } else {
            items = arguments
            literal = []
        }
    }

    /// Removes and returns the first word that is not an option: the command's name.
    mutating func popWord() -> String? {
        if let index = items.firstIndex(where: { !$0.hasPrefix("-") }) { return items.remove(at: index) }
        return literal.isEmpty ? nil : literal.removeFirst()
    }

    /// Removes every `--name`; true when there was one.
    mutating func flag(_ names: String...) -> Bool {
        let before = items.count
        items.removeAll { names.contains($0) }
        return items.count != before
    }

    /// Removes `--name VALUE` or `--name=VALUE` (the last one wins).
    mutating func value(_ names: String...) throws(UsageError) -> String? {
        var found: String?
        var index = items.startIndex
        while index < items.endIndex {
            let item = items[index]
            if names.contains(item) {
                guard index + 1 < items.endIndex else { throw UsageError("\(item) needs a value.") }
                found = items[index + 1]
                items.removeSubrange(index...(index + 1))
            } else if let name = names.first(where: { item.hasPrefix($0 + "=") }) {
                found = String(item.dropFirst(name.count + 1))
                items.remove(at: index)
            } else {
                index += 1
            }
        }
        return found
    }

    /// A positive integer option.
    mutating func count(_ names: String...) throws(UsageError) -> Int? {
        var found: String?
        for name in names where found == nil { found = try value(name) }
        guard let text = found else { return nil }
        guard let number = Int(text), number > 0 else { throw UsageError("\(names[0]) wants a positive whole number, not \"\(text)\".") }
        return number
    }

    /// What is left, at most `names.count` positionals (nil where not given). Anything
    /// left that looks like an option is unknown.
    func positionals(_ names: String...) throws(UsageError) -> [String?] {
        if let unknown = items.first(where: { $0.hasPrefix("-") && $0 != "-" }) {
            throw UsageError("Unknown option \(unknown).")
        }
        let given = items + literal
        guard given.count <= names.count else {
            let extra = given[names.count...].joined(separator: " ")
            throw UsageError(names.isEmpty ? "No arguments expected, got: \(extra)" : "Too many arguments: \(extra)")
        }
        return names.indices.map { $0 < given.count ? given[$0] : nil }
    }
}

/// The command line was wrong: exit code 2, with the usage.
struct UsageError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
