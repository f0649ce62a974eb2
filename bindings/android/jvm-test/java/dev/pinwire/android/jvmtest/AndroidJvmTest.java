package dev.pinwire.android.jvmtest;

import android.content.Context;
import android.security.net.config.NetworkSecurityConfigProvider;
import dev.pinwire.android.Pinwire;
import dev.pinwire.android.PinwireAndroid;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManagerFactory;

/**
 * The JVM side of Pinwire's desktop test of its Android validator (bindings/android/jvm-test): sets up
 * what an app on Android has, initialises Pinwire as an app does, and prints the checks' results, one
 * line each: {@code PASS name} or {@code FAIL name: detail}. Exits with 1 if a check failed.
 *
 * <p>Run by scripts/test-android-jvm.sh, under {@code -Xcheck:jni}, through the launcher that loads
 * these classes with their own class loader, as an app's are.
 */
public final class AndroidJvmTest {
    private static int failed;

    private AndroidJvmTest() {}

    /** The DER of the test root, the one certificate the trust store holds. */
    private static native byte[] trustedRoot();

    /** The DER of the root the foreign provider's trust managers trust instead. */
    private static native byte[] foreignRoot();

    /** The Rust checks that hold before initialisation, as report lines. */
    private static native String checkNotInitialised();

    /** The Rust checks that need initialisation, as report lines. */
    private static native String run();

    public static void main(String[] args) throws Exception {
        // The test library, under the name Pinwire.init loads (scripts/test-android-jvm.sh puts it on
        // java.library.path as libpinwire_ffi.so, as the AAR ships the real one). Loaded here already
        // because the first checks run before Pinwire.init.
        System.loadLibrary("pinwire_ffi");
        installTrustStore(trustedRoot());
        // As on Android: the Network Security Config's provider, then one an app inserts ahead of it
        // (Conscrypt's place), which takes over TrustManagerFactory's default algorithm.
        Security.insertProviderAt(new NetworkSecurityConfigProvider(), 1);
        Security.insertProviderAt(new ForeignProvider(foreignRoot()), 1);
        String defaultProvider =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).getProvider().getName();
        check("the foreign provider is first: TrustManagerFactory's default algorithm is its",
                ForeignProvider.NAME.equals(defaultProvider), defaultProvider);

        ClassLoader app = AndroidJvmTest.class.getClassLoader();
        ClassLoader platform = ClassLoader.getPlatformClassLoader();
        expectThrows("nativeInit(null) throws to the caller", () -> PinwireAndroid.nativeInit(null));
        expectThrows(
                "nativeInit with a class loader that cannot load PlatformTrust throws to the caller",
                () -> PinwireAndroid.nativeInit(new TestContext(platform, null)));
        // Also shows that the failed calls above initialised nothing.
        report(checkNotInitialised());

        // An activity's context whose own class loader cannot load the class: Pinwire.init must use the
        // application context's.
        Context activity = new TestContext(platform, new TestContext(app, null));
        try {
            Pinwire.init(activity);
            Pinwire.init(activity);
            check("Pinwire.init(context) initialises through the application context, twice", Pinwire.isInitialized(), "");
        } catch (Throwable t) {
            check("Pinwire.init(context) initialises through the application context, twice", false, t);
        }

        report(run());
        System.exit(failed == 0 ? 0 : 1);
    }

    /**
     * Makes a PKCS#12 store holding only {@code root} the JDK's default trust store: what
     * {@code TrustManagerFactory.init((KeyStore) null)} in PlatformTrust reads, as Android's reads the
     * app's Network Security Config.
     */
    private static void installTrustStore(byte[] root) throws Exception {
        X509Certificate certificate = (X509Certificate)
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(root));
        char[] password = "pinwire-jvm-test".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("pinwire-jvm-test-root", certificate);
        Path file = Files.createTempFile("pinwire-jvm-test-", ".p12");
        file.toFile().deleteOnExit();
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password);
        }
        System.setProperty("javax.net.ssl.trustStore", file.toString());
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        System.setProperty("javax.net.ssl.trustStorePassword", new String(password));
    }

    private interface Call {
        void run() throws Throwable;
    }

    /** A check that {@code call} throws an exception (a crash of the JVM ends the run instead). */
    private static void expectThrows(String name, Call call) {
        try {
            call.run();
            check(name, false, "no exception");
        } catch (Exception e) {
            check(name, true, e);
        } catch (Throwable t) {
            check(name, false, t);
        }
    }

    private static void check(String name, boolean ok, Object detail) {
        report(ok ? "PASS " + name : "FAIL " + name + ": " + detail);
    }

    private static void report(String lines) {
        for (String line : lines.split("\n")) {
            if (!line.startsWith("PASS ")) {
                failed++;
            }
            System.out.println(line);
        }
    }

    /** A context whose class loader is {@code loader}; {@code application} is its application's. */
    private static final class TestContext extends Context {
        private final ClassLoader loader;
        private final Context application;

        TestContext(ClassLoader loader, Context application) {
            this.loader = loader;
            this.application = application;
        }

        @Override
        public Context getApplicationContext() {
            return application == null ? this : application;
        }

        @Override
        public ClassLoader getClassLoader() {
            return loader;
        }
    }
}
