package dev.pinwire.android.jvmtest;

import java.io.ByteArrayInputStream;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.cert.CertificateFactory;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;

/**
 * A security provider an app installs ahead of Android's (as apps do with Conscrypt for TLS 1.3 on old
 * devices), whose {@code TrustManagerFactory.PKIX} ignores the Network Security Config: its trust managers
 * trust one root of their own, whatever the key store they are initialised with. Installed first, it is
 * what {@code TrustManagerFactory.getInstance(getDefaultAlgorithm())} returns.
 */
final class ForeignProvider extends Provider {
    static final String NAME = "PinwireTestForeign";

    ForeignProvider(byte[] root) {
        super(NAME, "1.0", "A provider ahead of the Network Security Config's, trusting its own root");
        putService(new Service(this, "TrustManagerFactory", "PKIX", ForeignSpi.class.getName(), null, null) {
            @Override
            public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
                return new ForeignSpi(root);
            }
        });
    }

    private static final class ForeignSpi extends TrustManagerFactorySpi {
        private final TrustManagerFactory jdk;
        private final byte[] root;

        ForeignSpi(byte[] root) throws NoSuchAlgorithmException {
            this.root = root;
            try {
                jdk = TrustManagerFactory.getInstance("PKIX", "SunJSSE");
            } catch (NoSuchProviderException e) {
                throw new NoSuchAlgorithmException(e);
            }
        }

        @Override
        protected void engineInit(KeyStore ignored) throws java.security.KeyStoreException {
            try {
                KeyStore own = KeyStore.getInstance("PKCS12");
                own.load(null, null);
                own.setCertificateEntry("foreign-root",
                        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(root)));
                jdk.init(own);
            } catch (java.security.KeyStoreException e) {
                throw e;
            } catch (Exception e) {
                throw new java.security.KeyStoreException(e);
            }
        }

        @Override
        protected void engineInit(ManagerFactoryParameters parameters) throws InvalidAlgorithmParameterException {
            throw new InvalidAlgorithmParameterException("not supported");
        }

        @Override
        protected TrustManager[] engineGetTrustManagers() {
            return jdk.getTrustManagers();
        }
    }
}
