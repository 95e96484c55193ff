/// `sl` plus five random lowercase letters and digits: short enough to leave room
/// in a 15-character interface name, random enough for parallel tests.
func randomName(prefix: String = "sl") -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    var generator = SystemRandomNumberGenerator()
    return prefix + String((0..<5).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
}
