namespace Appliance.Llama;

/// <summary>llama_model_params.load_mode values.</summary>
public enum LlamaLoadMode { Auto = -1, None = 0, Mmap = 1, Mlock = 2, MmapMlock = 3, DirectIo = 4 }

/// <summary>llama_pooling_type values.</summary>
public enum LlamaPoolingType { Unspecified = -1, None = 0, Mean = 1, Cls = 2, Last = 3, Rank = 4 }
