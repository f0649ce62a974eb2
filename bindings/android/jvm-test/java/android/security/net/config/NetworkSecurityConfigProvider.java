package android.security.net.config;

import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.InvalidAlgorithmParameterException;
import java.security.Provider;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;

/**
 * Desktop-JVM stand-in for Android's Network Security Config security provider ({@code AndroidNSSP}),
 * which Android installs in every app process and whose {@code TrustManagerFactory.PKIX} hands out the
 * trust manager that applies the app's Network Security Config. Used by Pinwire's JVM test of its
 * Android validator (bindings/android/jvm-test).
 *
 * <p>Here the "Network Security Config" is the JDK's PKIX trust manager over the default trust store,
 * which the test sets to hold only the run's test root.
 */
public final class NetworkSecurityConfigProvider extends Provider {
    /** Android's name for the provider. */
    public static final String NAME = "AndroidNSSP";

    public NetworkSecurityConfigProvider() {
        super(NAME, "1.0", "Stand-in for the Android Network Security Policy Provider");
        putService(new Service(this, "TrustManagerFactory", "PKIX", RootTrustManagerFactorySpi.class.getName(), null, null) {
            @Override
            public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
                return new RootTrustManagerFactorySpi();
            }
        });
    }

    /** The JDK's own PKIX trust manager factory, under the stand-in provider's name. */
    private static final class RootTrustManagerFactorySpi extends TrustManagerFactorySpi {
        private final TrustManagerFactory jdk;

        RootTrustManagerFactorySpi() throws NoSuchAlgorithmException {
            try {
                jdk = TrustManagerFactory.getInstance("PKIX", "SunJSSE");
            } catch (NoSuchProviderException e) {
                throw new NoSuchAlgorithmException(e);
            }
        }

        @Override
        protected void engineInit(KeyStore keyStore) throws KeyStoreException {
            jdk.init(keyStore);
        }

        @Override
        protected void engineInit(ManagerFactoryParameters parameters) throws InvalidAlgorithmParameterException {
            jdk.init(parameters);
        }

        @Override
        protected TrustManager[] engineGetTrustManagers() {
            return jdk.getTrustManagers();
        }
    }
}
