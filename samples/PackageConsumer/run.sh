#!/usr/bin/env bash
# Packs DeepNet into artifacts/packages, restores this app from that folder feed and runs it.
# Succeeds only when the app prints "ok: ...".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(dotnet msbuild "$root/src/DeepNet.csproj" -getProperty:Version)
dotnet pack "$root/DeepNet.sln" -c Release -o "$root/artifacts/packages" -nologo -v q
rm -rf "$here/.packages/deepnet" "$here/.packages/deepnet.kernels" "$here/bin" "$here/obj"
output=$(dotnet run --project "$here/PackageConsumer.csproj" -c Release -p:DeepNetVersion="$version")
echo "$output"
grep -q '^ok:' <<<"$output"
