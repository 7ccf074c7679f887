// Operator handles: "aten::name.overload" resolved once through the dispatcher (at import, so a misspelt
// operator fails loudly at startup), then called by id. Binding the id avoids a closure and a rest-args spread
// per call: per-op overhead is what small-tensor code (samplers, optimizers) pays thousands of times a step.
import { native, type NativeValue } from './native.js';

export type OpCaller = (...args: NativeValue[]) => unknown;

/** An ATen operator. Arguments follow the operator's schema; `undefined` takes its default. */
export function aten(name: string, overload = ''): OpCaller {
  return native.opCall.bind(null, native.opResolve(`aten::${name}`, overload)) as OpCaller;
}

/** Like aten(), for in-place operators whose result aliases `self` (no new handle is made). */
export function atenInplace(name: string, overload = ''): OpCaller {
  return native.opCallInplace.bind(null, native.opResolve(`aten::${name}`, overload)) as OpCaller;
}

/** The schema of an operator, as libtorch prints it (for error messages and docs). */
export function schemaOf(name: string, overload = ''): string {
  return native.opSchema(native.opResolve(`aten::${name}`, overload));
}
