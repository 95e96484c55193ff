import Glibc

/// One target of `matrix`: a non-blocking socket walked through connect, send
/// and answer by the caller's poll loop, so hundreds share one deadline.
final class MatrixAttempt {
    enum Transport: String {
        case tcp
        case udp
    }

    /// How an attempt ended; `stalled` is a TCP handshake that completed with no
    /// answer in time, which proves the packets were not dropped.
    enum Outcome {
        case answered(String)
        case refused(String)
        case timedOut
        case stalled
        case failed(String)
    }

    private enum Stage {
        case connecting
        case sending(offset: Int)
        case awaitingAnswer
        case finished(Outcome, milliseconds: Int)
    }

    let address: SocketAddress
    let transport: Transport
    /// `ADDR PORT PROTO` as given on the command line, so callers can match lines to targets.
    private let label: String
    private let request: [UInt8]
    private let started = MatrixAttempt.nowMilliseconds()
    private var socket: Socket?
    private var stage = Stage.connecting
    private var answer: [UInt8] = []

    private static let maximumAnswer = 4096

    /// Opens the socket and starts connecting; a failure to start is already an outcome.
    init(address: SocketAddress, transport: Transport, label: String, request: [UInt8]) {
        self.address = address
        self.transport = transport
        self.label = label
        self.request = request
        do {
            let type = transport == .tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
            let socket = try Socket(family: address.family, type: type)
            self.socket = socket
            let result = address.withSockaddr { Glibc.connect(socket.fd, $0, $1) }
            if result == 0 {
                send(from: 0)
            } else if errno != EINPROGRESS {
                fail(ProbeError.system("connect \(address)", errno: errno))
            }
        } catch {
            fail(error)
        }
    }

    var isFinished: Bool {
        if case .finished = stage { return true }
        return false
    }

    /// The poll(2) entry for the event this attempt waits for, nil once finished.
    var pollEntry: pollfd? {
        guard let socket else { return nil }
        switch stage {
        case .connecting, .sending: return pollfd(fd: socket.fd, events: Int16(POLLOUT), revents: 0)
        case .awaitingAnswer: return pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
        case .finished: return nil
        }
    }

    /// Moves on after poll reported `revents` for this attempt's socket.
    func advance(revents: Int16) {
        guard revents != 0, let socket else { return }
        switch stage {
        case .connecting:
            var pending: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &pending, &length) == 0 else {
                return fail(ProbeError.system("getsockopt(SO_ERROR)", errno: errno))
            }
            if pending != 0 { return fail(ProbeError.system("connect \(address)", errno: pending)) }
            send(from: 0)
        case .sending(let offset):
            send(from: offset)
        case .awaitingAnswer:
            receive(on: socket)
        case .finished:
            return
        }
    }

    /// Ends an attempt still waiting at the deadline.
    func expire() {
        switch stage {
        case .connecting: finish(.timedOut)
        case .sending, .awaitingAnswer: finish(transport == .tcp ? .stalled : .timedOut)
        case .finished: return
        }
    }

    /// `ADDR PORT PROTO RESULT MS [DETAIL]`, the line `matrix` prints for this target.
    var line: String {
        let head = label
        guard case .finished(let outcome, let milliseconds) = stage else { return "\(head) error 0 unfinished" }
        switch outcome {
        case .answered(let text): return "\(head) ok \(milliseconds) \(text)"
        case .refused(let text): return "\(head) refused \(milliseconds) \(text)"
        case .timedOut: return "\(head) timeout \(milliseconds)"
        case .stalled: return "\(head) stalled \(milliseconds) connected, no answer"
        case .failed(let text): return "\(head) error \(milliseconds) \(text)"
        }
    }

    private func send(from offset: Int) {
        guard let socket else { return }
        let sent = request[offset...].withUnsafeBytes {
            Glibc.send(socket.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
        }
        if sent >= 0 {
            stage = offset + sent < request.count ? .sending(offset: offset + sent) : .awaitingAnswer
        } else if errno == EAGAIN || errno == EINTR {
            stage = .sending(offset: offset)
        } else {
            fail(ProbeError.system("send \(address)", errno: errno))
        }
    }

    /// A datagram is the whole answer; a stream answer ends at a newline or when the peer closes.
    private func receive(on socket: Socket) {
        var buffer = [UInt8](repeating: 0, count: Self.maximumAnswer)
        let count = buffer.withUnsafeMutableBytes { Glibc.recv(socket.fd, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            return fail(ProbeError.system("recv \(address)", errno: errno))
        }
        answer += buffer.prefix(count)
        if transport == .udp || answer.contains(UInt8(ascii: "\n")) || answer.count >= Self.maximumAnswer {
            return finish(.answered(firstLine(answer)))
        }
        if count == 0 {
            finish(answer.isEmpty ? .refused("closed without an answer") : .answered(firstLine(answer)))
        }
    }

    private func fail(_ error: ProbeError) {
        switch error {
        case .refused(let text): finish(Outcome.refused(text))
        case .timedOut: finish(Outcome.timedOut)
        default: finish(Outcome.failed(error.description))
        }
    }

    /// Records the outcome and closes the socket at once, so a finished attempt holds no descriptor.
    private func finish(_ outcome: Outcome) {
        stage = .finished(outcome, milliseconds: MatrixAttempt.nowMilliseconds() - started)
        socket = nil
    }

    private static func nowMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }
}
