package android.net.http;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.X509TrustManager;

/**
 * Desktop-JVM stand-in for Android's {@code android.net.http.X509TrustManagerExtensions}, against which
 * the real {@code dev.pinwire.android.PlatformTrust} is compiled and run by Pinwire's JVM test of the
 * Android validator (bindings/android/jvm-test).
 *
 * <p>It validates for real, with the trust manager {@code PlatformTrust} hands it: the JDK's default
 * (PKIX) one, over the trust store the test installs, which holds only the test run's root. Like
 * Android's {@code checkServerTrusted(chain, authType, host)} it
 * <ul>
 *   <li>accepts or refuses the chain as the trust manager decides: path to a trust anchor, signatures,
 *       validity dates, CA constraints, the serverAuth extended key usage;</li>
 *   <li>does not check the host name (on Android, {@code host} selects the Network Security Config's
 *       domain rules; host names are checked by the caller);</li>
 *   <li>returns the path it validated, leaf first, trust anchor last, without the certificates that are
 *       not on it;</li>
 *   <li>throws "no path to a trust anchor" the way Android's trust manager (Conscrypt) does, a
 *       {@code CertificateException} caused by {@code CertPathValidatorException("Trust anchor for
 *       certification path not found.")}; other refusals are the JDK's own exceptions, whose causes are
 *       the classes Android's are ({@code CertificateExpiredException}, ...).</li>
 * </ul>
 *
 * <p>For hosts under {@code fault.pinwire.test} it validates and then misbehaves, as a broken or hostile
 * platform could, so that the test can check what the Rust side does with such an answer.
 */
public class X509TrustManagerExtensions {
    /** The hosts for which a fault is injected: {@code <fault>.fault.pinwire.test}. */
    private static final String FAULT_DOMAIN = ".fault.pinwire.test";

    /**
     * Android's trust manager ignores the auth type for server chains. The JDK's would apply TLS 1.2
     * key-exchange rules to it (for "RSA", a keyEncipherment key usage the test's ECDSA leaves do not
     * have), so it is given the value the JDK itself passes when there is no such key exchange (TLS 1.3).
     */
    private static final String JDK_AUTH_TYPE = "UNKNOWN";

    private final X509TrustManager trustManager;

    /** Wraps {@code trustManager}, as Android's constructor wraps the platform's default one. */
    public X509TrustManagerExtensions(X509TrustManager trustManager) {
        if (trustManager == null) {
            throw new IllegalArgumentException("trustManager == null");
        }
        this.trustManager = trustManager;
    }

    /**
     * Validates {@code chain} (leaf first) and returns the validated path, leaf first, trust anchor last.
     *
     * @throws CertificateException if the chain is not trusted
     */
    public List<X509Certificate> checkServerTrusted(X509Certificate[] chain, String authType, String host)
            throws CertificateException {
        if (chain == null || chain.length == 0 || authType == null || authType.isEmpty()) {
            // Android's TrustManagerImpl refuses these arguments the same way.
            throw new IllegalArgumentException("null or zero-length parameter");
        }
        // The Network Security Config looks host names up without a trailing dot; being strict here
        // makes the Rust side's stripping of it observable.
        if (host == null || host.isEmpty() || host.endsWith(".")) {
            throw new IllegalArgumentException("not a host name for the Network Security Config: " + host);
        }
        try {
            trustManager.checkServerTrusted(chain, JDK_AUTH_TYPE);
        } catch (CertificateException e) {
            throw asAndroidThrows(e);
        }
        List<X509Certificate> path = validatedPath(chain);
        if (host.endsWith(FAULT_DOMAIN)) {
            return fault(host.substring(0, host.length() - FAULT_DOMAIN.length()), chain, path);
        }
        return path;
    }

    /**
     * The path the trust manager accepted, with its anchor. The JDK's trust manager does not return it,
     * so it is built again, with the JDK's PKIX path builder, from the same trust anchors and the
     * certificates the server presented.
     */
    private List<X509Certificate> validatedPath(X509Certificate[] chain) throws CertificateException {
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate anchor : trustManager.getAcceptedIssuers()) {
                anchors.add(new TrustAnchor(anchor, null));
            }
            X509CertSelector leaf = new X509CertSelector();
            leaf.setCertificate(chain[0]);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, leaf);
            // As the JDK's trust manager by default, and Android's for chains without stapled status.
            parameters.setRevocationEnabled(false);
            parameters.addCertStore(
                    CertStore.getInstance("Collection", new CollectionCertStoreParameters(Arrays.asList(chain))));
            PKIXCertPathBuilderResult result =
                    (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(parameters);
            List<X509Certificate> path = new ArrayList<>();
            result.getCertPath().getCertificates().forEach(certificate -> path.add((X509Certificate) certificate));
            path.add(result.getTrustAnchor().getTrustedCert());
            return path;
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the accepted chain has no path to rebuild", e);
        }
    }

    /** {@code refusal} (the JDK trust manager's) as Android's trust manager would have thrown it. */
    private static CertificateException asAndroidThrows(CertificateException refusal) {
        for (Throwable cause = refusal; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertPathBuilderException) {
                // The JDK found no path to an anchor; Conscrypt's TrustManagerImpl says so with this.
                CertificateException android = new CertificateException(
                        new CertPathValidatorException("Trust anchor for certification path not found."));
                android.addSuppressed(refusal);
                return android;
            }
        }
        return refusal;
    }

    /** The answer of a misbehaving platform, after a successful validation of {@code chain}. */
    private static List<X509Certificate> fault(String fault, X509Certificate[] chain, List<X509Certificate> path)
            throws CertificateException {
        switch (fault) {
            case "other-leaf":
                // A path for another leaf: the last certificate presented.
                path.set(0, chain[chain.length - 1]);
                return path;
            case "too-long":
                while (path.size() < 17) {
                    path.add(path.get(path.size() - 1));
                }
                return path;
            case "empty":
                return new ArrayList<>();
            case "null":
                return null;
            case "runtime":
                throw new IllegalStateException("the trust manager broke");
            case "nsc-pin":
                // What Android's NetworkSecurityTrustManager throws when the app's <pin-set> matches nothing.
                throw new CertificateException("Pin verification failed");
            case "deep-causes":
                // 12 exceptions, each the cause of the one before; the expiry at the bottom is too deep to be read.
                Throwable cause = new CertificateExpiredException("cause 11");
                for (int depth = 10; depth >= 1; depth--) {
                    cause = new CertPathValidatorException("cause " + depth, cause);
                }
                throw new CertificateException("cause 0", cause);
            default:
                throw new IllegalArgumentException("unknown fault " + fault);
        }
    }
}
