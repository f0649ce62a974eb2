// The Turbo Module spec React Native's codegen reads (New Architecture); on the old architecture the same
// module is found through the bridge. One method carries every host-bridge message, so the native shims stay
// thin and the message formats live in one place on each side (see messages.ts).
import type { CodegenTypes, TurboModule } from 'react-native';
import { TurboModuleRegistry } from 'react-native';

export interface Spec extends TurboModule {
  /**
   * Sends one bridge message. Resolves `{ result }` or `{ error }` (never rejects for a Pinwire failure),
   * so that every platform hands errors over in the same shape.
   */
  call(method: string, args: CodegenTypes.UnsafeObject): Promise<CodegenTypes.UnsafeObject>;
  /** For NativeEventEmitter: pin events are emitted as `pinEvent`. */
  addListener(eventName: string): void;
  removeListeners(count: number): void;
}

export default TurboModuleRegistry.getEnforcing<Spec>('Pinwire');
