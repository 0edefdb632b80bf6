// @ohos.base under Node: its exports are types only (erased by the build).
export {};
