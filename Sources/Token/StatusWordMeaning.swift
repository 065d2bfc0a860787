/// ISO 7816-4 status words the Rutoken profile produces, in words.
enum StatusWordMeaning {
    static func text(_ statusWord: UInt16) -> String? {
        switch statusWord {
        case 0x9000: return "success"
        case 0x6282: return "end of file reached"
        case 0x6700: return "wrong length"
        case 0x6982: return "security status not satisfied: PIN not verified"
        case 0x6983: return "authentication method blocked: PIN blocked"
        case 0x6985: return "conditions of use not satisfied"
        case 0x6986: return "command not allowed"
        case 0x6A80: return "incorrect data"
        case 0x6A81: return "function not supported"
        case 0x6A82: return "file not found"
        case 0x6A86: return "incorrect P1/P2"
        case 0x6A88: return "referenced data (key or PIN) not found"
        case 0x6B00: return "offset outside the file"
        case 0x6D00: return "instruction not supported"
        case 0x6E00: return "class not supported"
        case 0x6F00, 0x6F86: return "card internal error"
        default:
            if statusWord & 0xFFF0 == 0x63C0 { return "wrong PIN, \(statusWord & 0x000F) tries left" }
            return nil
        }
    }
}
