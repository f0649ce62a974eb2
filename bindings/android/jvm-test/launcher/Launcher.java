import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code dev.pinwire.android.jvmtest.AndroidJvmTest} with its own class loader over the class path
 * in {@code args[0]} (the test's classes and the Kotlin standard library), parent: the platform class
 * loader. The class path of the JVM holds only this launcher.
 *
 * <p>That is how an Android app's classes are loaded: FindClass on a thread that native code attached to
 * the VM uses the system class loader, which cannot see them. The bindings' nativeInit resolves
 * PlatformTrust through the app context's class loader for that reason, and this keeps the test honest
 * about it.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : args[0].split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                urls.add(new File(entry).toURI().toURL());
            }
        }
        ClassLoader app = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
        app.loadClass("dev.pinwire.android.jvmtest.AndroidJvmTest")
                .getMethod("main", String[].class)
                .invoke(null, (Object) new String[0]);
    }
}
