// The iOS registration of the `Pinwire` module: React Native needs Objective-C(++) to find a module and, on
// the New Architecture, to hand out its JSI binding. Everything else is in PinwireModule.swift (one method
// forwarded). Not compiled on the machines this repository is tested on (no Xcode): keep it this thin.
#import <React/RCTEventEmitter.h>
#ifdef RCT_NEW_ARCH_ENABLED
#import <RNPinwireSpec/RNPinwireSpec.h>
#endif
#import "react_native_pinwire-Swift.h"

@interface Pinwire : RCTEventEmitter
#ifdef RCT_NEW_ARCH_ENABLED
    <NativePinwireSpec>
#endif
@end

@implementation Pinwire {
  PinwireModuleImpl *_impl;
}

RCT_EXPORT_MODULE(Pinwire)

+ (BOOL)requiresMainQueueSetup {
  return NO;
}

- (instancetype)init {
  if (self = [super init]) {
    __weak Pinwire *weakSelf = self;
    _impl = [[PinwireModuleImpl alloc] initWithEmit:^(NSString *name, NSDictionary *body) {
      [weakSelf sendEventWithName:name body:body];
    }];
  }
  return self;
}

- (NSArray<NSString *> *)supportedEvents {
  return @[ @"pinEvent" ];
}

RCT_EXPORT_METHOD(call:(NSString *)method
                  args:(NSDictionary *)args
                  resolve:(RCTPromiseResolveBlock)resolve
                  reject:(RCTPromiseRejectBlock)reject) {
  [_impl call:method args:args resolve:resolve];
}

- (void)invalidate {
  [_impl close];
  [super invalidate];
}

#ifdef RCT_NEW_ARCH_ENABLED
- (std::shared_ptr<facebook::react::TurboModule>)getTurboModule:
    (const facebook::react::ObjCTurboModule::InitParams &)params {
  return std::make_shared<facebook::react::NativePinwireSpecJSI>(params);
}
#endif

@end
