import Foundation
internal import PinwireBindings

/// Pin computation: the `sha256/...` form OkHttp, Android's Network Security Config and TrustKit share.
public enum Pin {
    /// The pin of a DER certificate's public key.
    public static func fromCertificate(der: Data) throws -> String {
        try callRust { try pinFromCertificateDer(der: der) }
    }

    /// The pins of every certificate in PEM text, in order.
    public static func fromCertificates(pem: String) throws -> [String] {
        try callRust { try pinFromCertificatesPem(pem: pem) }
    }

    /// The pin of a public key (PEM `PUBLIC KEY` or DER SubjectPublicKeyInfo).
    public static func fromPublicKey(_ key: Data) throws -> String {
        try callRust { try pinFromPublicKey(key: key) }
    }

    /// The pin of a PKCS#8 private key's public half (PEM or DER): the backup pin of a key not yet deployed.
    public static func fromPrivateKey(_ key: Data) throws -> String {
        try callRust { try pinFromPrivateKey(key: key) }
    }
}
