// Operator handles: "aten::name.overload" resolved once through the dispatcher, then called by id.
import { native, type NativeValue } from './native.js';

export type OpCaller = (...args: NativeValue[]) => unknown;

/** A lazily resolved ATen operator. Arguments follow the operator's schema; `undefined` takes its default. */
export function aten(name: string, overload = ''): OpCaller {
  let id = -1;
  return (...args: NativeValue[]) => {
    if (id < 0) id = native.opResolve(`aten::${name}`, overload);
    return native.opCall(id, ...args);
  };
}

/** Like aten(), for in-place operators whose result aliases `self` (no new handle is made). */
export function atenInplace(name: string, overload = ''): OpCaller {
  let id = -1;
  return (...args: NativeValue[]) => {
    if (id < 0) id = native.opResolve(`aten::${name}`, overload);
    native.opCallInplace(id, ...args);
    return undefined;
  };
}

/** The schema of an operator, as libtorch prints it (for error messages and docs). */
export function schemaOf(name: string, overload = ''): string {
  return native.opSchema(native.opResolve(`aten::${name}`, overload));
}
