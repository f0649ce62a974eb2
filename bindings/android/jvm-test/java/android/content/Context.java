package android.content;

/**
 * Desktop-JVM stand-in for Android's {@code android.content.Context}, with only what Pinwire's Android
 * code uses: {@code Pinwire.init} takes the application context, and the bindings' {@code nativeInit}
 * loads {@code PlatformTrust} through its class loader.
 */
public abstract class Context {
    /** The application's context ({@code Pinwire.init} keeps only that one's class loader). */
    public abstract Context getApplicationContext();

    /** The class loader of the app's classes. */
    public abstract ClassLoader getClassLoader();
}
