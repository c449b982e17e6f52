namespace DeepNet.Compare;

/// <summary>Every workload by name, created lazily so a filtered run builds only what it times.</summary>
public static class WorkloadCatalog
{
    public static IEnumerable<(string Name, Func<Workload> Create)> All(bool quick)
    {
        yield return ("sgemm_512", () => GemmWorkloads.Create(512));
        yield return ("sgemm_1024", () => GemmWorkloads.Create(1024));
        if (!quick) yield return ("sgemm_2048", () => GemmWorkloads.Create(2048));
        yield return ("mnist_cnn_step", ModelWorkloads.MnistCnn);
        yield return ("lenet_step", ModelWorkloads.LeNet);
        yield return ("mlp_step", ModelWorkloads.Mlp);
        yield return ("transformer_step", TransformerWorkload.Create);
        if (!quick) yield return ("bert_minilm_step", BertWorkload.Create);
        if (!quick) yield return ("transformer_seed_step", SeedTransformerWorkload.Create);
        yield return ("tiny_add", TinyOpWorkloads.Add);
        yield return ("tiny_add_backward", TinyOpWorkloads.AddBackward);
    }
}
