#if canImport(Glibc)
    import Glibc
#endif

/// Colour and progress policy for the terminal: colour only on a TTY and never with NO_COLOR.
struct Terminal {
    /// Whether standard output gets ANSI colour.
    let colorOutput: Bool
    /// Whether standard error is a terminal (progress lines are shown only then).
    let interactiveErrors: Bool

    /// The policy for this process's standard output and error.
    static func current(forceColor: Bool? = nil) -> Terminal {
        let noColor = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
        let tty = isatty(STDOUT_FILENO) == 1
        return Terminal(colorOutput: forceColor ?? (tty && !noColor), interactiveErrors: isatty(STDERR_FILENO) == 1)
    }

    /// `text` wrapped in an SGR colour code when colour is on.
    func paint(_ text: String, _ code: String) -> String {
        colorOutput ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
