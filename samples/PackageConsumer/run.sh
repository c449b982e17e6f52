#!/usr/bin/env bash
# Packs DeepNet, DeepNet.Kernels, DeepNet.Training and DeepNet.Data into artifacts/packages, restores
# this app from that folder feed, runs it and prints the size of its bin folder.
# Succeeds only when the app prints "ok: ...".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(dotnet msbuild "$root/src/DeepNet.csproj" -getProperty:Version)
dotnet pack "$root/DeepNet.sln" -c Release -o "$root/artifacts/packages" -nologo -v q
rm -rf "$here/.packages/deepnet" "$here/.packages/deepnet.kernels" "$here/.packages/deepnet.training" "$here/.packages/deepnet.data" \
  "$here/bin" "$here/obj"
output=$(dotnet run --project "$here/PackageConsumer.csproj" -c Release -p:DeepNetVersion="$version")
echo "$output"
echo "bin: $(du -sh "$here/bin/Release" | cut -f1) (app with DeepNet + DeepNet.Training)"
grep -q '^ok:' <<<"$output"
