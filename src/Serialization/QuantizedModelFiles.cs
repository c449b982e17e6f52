using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using DeepNet.Layers;
using DeepNet.Tensors;

namespace DeepNet.Serialization;

// Files of int8-quantized models. Each int8 weight of a module at path p (IQuantizedState: the
// quantized layers' "weight", attention's "in_proj_weight") is stored as
//   p.weight            I8  [out, ...]   the int8 codes
//   p.weight_scale      F32 [out]        per-output-channel (or per-row) scales
//   p.input_scale       F32 []           static activation quantization (absent when dynamic;
//   p.input_zero_point  I32 []           "in_proj_input_..." for attention)
// next to the float state dict (biases, the layers left float), in one safetensors file that
// torch's safetensors reads. ModuleFiles.Save/Load route quantized models here.
// Interim: this writes its own I8/I32 entries until SafeTensorsWriter writes every dtype (the
// dtypes branch); then the codes become Int8 buffers of the modules and this file shrinks to the load hook.
internal static class QuantizedModelFiles
{
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? metadata)
    {
        var entries = module.ToNamedArrays().Select(a => Entry.Of(a.Name, "F32", a.Shape, MemoryMarshal.AsBytes(a.Data.AsSpan()).ToArray())).ToList();
        foreach (var (prefix, part) in Parts(module))
        {
            var weight = part.Weight;
            entries.Add(Entry.Of(prefix + part.Name, "I8", weight.Shape.ToArray(), MemoryMarshal.AsBytes(weight.Values.AsSpan()).ToArray()));
            entries.Add(Entry.Of(prefix + part.Name + "_scale", "F32", [weight.OutChannels], MemoryMarshal.AsBytes(weight.Scales.AsSpan()).ToArray()));
            if (part.Input is { } qp)
            {
                entries.Add(Entry.Of(prefix + part.InputKey + "_scale", "F32", [], BitConverter.GetBytes(qp.Scale)));
                entries.Add(Entry.Of(prefix + part.InputKey + "_zero_point", "I32", [], BitConverter.GetBytes(qp.ZeroPoint)));
            }
        }
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { ["deepnet.quantization"] = "int8" };
        byte[] header = Header(entries, meta);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var e in entries) stream.Write(e.Bytes);
        });
    }

    /// <summary>Loads the int8 parts of every quantized module, then the float state; validates everything first.</summary>
    public static void Load(Module module, IReadOnlyList<NamedArray> arrays, bool strict)
    {
        var byName = arrays.ToDictionary(a => a.Name, StringComparer.Ordinal);
        var loads = new List<Action>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (prefix, part) in Parts(module))
        {
            var weight = part.Weight;
            var codes = Take(byName, used, prefix + part.Name, weight.Shape.ToArray());
            var scales = Take(byName, used, prefix + part.Name + "_scale", [weight.OutChannels]).Data;
            var values = new sbyte[codes.Data.Length];
            for (int i = 0; i < values.Length; i++)
            {
                float v = codes.Data[i];
                if (v != MathF.Round(v) || v < -127f || v > 127f)
                    throw new ArgumentException($"load quantized model: '{codes.Name}' holds {v}, not an int8 code in [−127, 127] (is the file a float model?)");
                values[i] = (sbyte)v;
            }
            QuantizationParams? qp = null;
            if (part.Input is not null)
            {
                string key = prefix + part.InputKey;
                qp = new QuantizationParams(Take(byName, used, key + "_scale", []).Data[0], (int)Take(byName, used, key + "_zero_point", []).Data[0]);
                qp.Value.Validate($"load quantized model: '{key}_scale'");
            }
            var device = weight.Device;
            var loaded = weight.IsLookupTable ? QuantizedWeight.Rows(values, scales, weight.Shape.ToArray(), device)
                : new QuantizedWeight(values, scales, weight.Shape.ToArray(), device);
            loads.Add(() => part.Load(loaded, qp));
        }
        var rest = arrays.Where(a => !used.Contains(a.Name)).ToList();
        module.CheckNamedArrays(rest, strict);
        ModuleFiles.LoadFloatArrays(module, rest, strict);
        foreach (var load in loads) load();
    }

    /// <summary>(dotted prefix with a trailing dot, part) of each int8 weight in the tree, depth first.</summary>
    private static IEnumerable<(string Prefix, QuantizedPart Part)> Parts(Module module, string prefix = "")
    {
        if (module is IQuantizedState state)
            foreach (var part in state.QuantizedParts()) yield return (prefix, part);
        foreach (var (name, child) in module.NamedChildren())
            foreach (var inner in Parts(child, prefix + name + ".")) yield return inner;
    }

    private static NamedArray Take(Dictionary<string, NamedArray> byName, HashSet<string> used, string name, int[] shape)
    {
        if (!byName.TryGetValue(name, out var array))
            throw new ArgumentException($"load quantized model: the file has no '{name}' (was it saved from this quantized model?)");
        if (!array.Shape.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"load quantized model: '{name}' has shape {array.ShapeText} in the file but [{string.Join(", ", shape)}] in the model");
        used.Add(name);
        return array;
    }

    private static byte[] Header(List<Entry> entries, Dictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject(SafeTensorsHeader.MetadataKey);
            foreach (var (k, v) in metadata) json.WriteString(k, v);
            json.WriteEndObject();
            long offset = 0;
            foreach (var e in entries)
            {
                json.WriteStartObject(e.Name);
                json.WriteString("dtype", e.DType);
                json.WriteStartArray("shape");
                foreach (int d in e.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset += e.Bytes.Length);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private sealed record Entry(string Name, string DType, int[] Shape, byte[] Bytes)
    {
        public static Entry Of(string name, string dtype, int[] shape, byte[] bytes) => new(name, dtype, shape, bytes);
    }
}
