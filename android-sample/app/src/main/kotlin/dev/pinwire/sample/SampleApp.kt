package dev.pinwire.sample

import android.app.Application
import dev.pinwire.android.Pinwire

class SampleApp : Application() {
    override fun onCreate() {
        super.onCreate()
        // Once per process, before any client with platform trust is built: lets Pinwire's Rust core ask
        // Android's trust manager (which applies res/xml/network_security_config.xml) on every handshake.
        Pinwire.init(applicationContext)
    }
}
