// Runs React Native's codegen on src/NativePinwire.ts as an app build would, and writes the Java Turbo Module
// spec (dev.pinwire.reactnative.NativePinwireSpec) to the directory given: the JVM tests compile the Android
// module against it, so a spec that codegen rejects, or a module that does not implement it, fails the suite.
// Usage: node codegen.js <output directory>
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const pkg = path.resolve(__dirname, '..', '..');
const codegen = (p) => require(path.join(pkg, 'node_modules', '@react-native', 'codegen', 'lib', p));
const out = process.argv[2];
if (!out) throw new Error('usage: node codegen.js <output directory>');

const { TypeScriptParser } = codegen('parsers/typescript/parser.js');
const schema = new TypeScriptParser().parseFile(path.join(pkg, 'src', 'NativePinwire.ts'));
const config = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).codegenConfig;
const generated = codegen('generators/RNCodegen.js').generate(
  { libraryName: config.name, schema, outputDirectory: out, packageName: config.android.javaPackageName, assumeNonnull: false },
  { generators: ['modulesAndroid'] },
);
if (!generated) throw new Error('codegen generated nothing');
// Only the Java spec is compiled here; the JNI C++ half needs the NDK.
fs.rmSync(path.join(out, 'jni'), { recursive: true, force: true });
console.log(`codegen: ${path.join(out, 'java', ...config.android.javaPackageName.split('.'), 'NativePinwireSpec.java')}`);
