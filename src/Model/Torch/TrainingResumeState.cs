using System.Buffers.Binary;
using System.Text;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tensors;
using TorchSharp;

namespace HFedMoE.Model.Torch;

/// <summary>
/// Everything besides the weights that a training needs to continue bit for bit after a restart:
/// the step reached, the optimiser's moments and step counts (<see cref="MaskedAdamW.SaveState"/>),
/// libtorch's generator state (dropout masks, sampled batches) and our
/// <see cref="DeterministicRandom"/> (shuffles, random expert selection). Captured after a step and
/// restored into fresh objects, the next step draws the same numbers and moves the same bits as if
/// the process had never stopped. <see cref="ToBytes"/> is what a resume snapshot stores.
/// </summary>
public sealed class TrainingResumeState
{
    /// <summary>The first bytes of <see cref="ToBytes"/>; anything else is refused.</summary>
    public const string Format = "hfedmoe.training-resume/1";

    public TrainingResumeState(long step, byte[] optimizer, byte[] torchGenerator, byte[] random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(torchGenerator);
        ArgumentNullException.ThrowIfNull(random);
        Step = step;
        Optimizer = optimizer;
        TorchGenerator = torchGenerator;
        Random = random;
    }

    /// <summary>Steps completed when the state was captured.</summary>
    public long Step { get; }

    public byte[] Optimizer { get; }

    public byte[] TorchGenerator { get; }

    public byte[] Random { get; }

    public static TrainingResumeState Capture(long step, MaskedAdamW optimizer, torch.Generator generator, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(random);
        using var state = generator.get_state();
        return new TrainingResumeState(step, optimizer.SaveState(), state.data<byte>().ToArray(), random.SaveState());
    }

    /// <summary>
    /// Puts the state into <paramref name="optimizer"/>, <paramref name="generator"/> and
    /// <paramref name="random"/>; returns <see cref="Step"/>. Every part is checked before any is
    /// changed, so a refused state leaves all three as they were.
    /// </summary>
    /// <exception cref="InvalidDataException">A part does not fit the object it is meant for.</exception>
    public long RestoreInto(MaskedAdamW optimizer, torch.Generator generator, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(random);
        // Dry runs on scratch objects first: the real ones change only once all three fit.
        new DeterministicRandom(0).LoadState(Random);
        using (var scratch = new torch.Generator(0, generator.device))
        {
            SetGeneratorState(scratch, TorchGenerator);
        }
        // The optimiser's own load checks everything before it changes anything.
        optimizer.LoadState(Optimizer, "the resume state's optimizer part");
        SetGeneratorState(generator, TorchGenerator);
        random.LoadState(Random);
        return Step;
    }

    public byte[] ToBytes()
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Format);
            writer.Write(Step);
            foreach (byte[] part in new[] { Optimizer, TorchGenerator, Random })
            {
                writer.Write(part.Length);
                writer.Write(part);
            }
        }
        return memory.ToArray();
    }

    /// <exception cref="InvalidDataException">Not bytes written by <see cref="ToBytes"/> (truncated, another format, trailing bytes).</exception>
    public static TrainingResumeState FromBytes(byte[] bytes, string source = "resume state")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            string format = reader.ReadString();
            if (format != Format)
            {
                throw new InvalidDataException($"{source}: format '{format}'; expected {Format}");
            }
            long step = reader.ReadInt64();
            byte[] Part(string name)
            {
                int length = reader.ReadInt32();
                if (length < 0 || length > bytes.Length - reader.BaseStream.Position)
                {
                    throw new InvalidDataException($"{source}: the {name} part claims {length} bytes; {bytes.Length - reader.BaseStream.Position} remain");
                }
                return reader.ReadBytes(length);
            }
            var state = new TrainingResumeState(step, Part("optimizer"), Part("generator"), Part("random"));
            if (reader.BaseStream.Position != bytes.Length)
            {
                throw new InvalidDataException($"{source}: {bytes.Length - reader.BaseStream.Position} bytes after the last part");
            }
            return state;
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException or FormatException)
        {
            throw new InvalidDataException($"{source}: truncated or not a training resume state ({e.Message})", e);
        }
    }

    /// <summary>
    /// libtorch's <c>set_state</c> reports a bad state by a C++ exception that TorchSharp 0.107 does
    /// not catch, which aborts the process; so the checks libtorch makes are made here first: the
    /// length of this generator's own state, and for the CPU generator (mt19937) its layout's
    /// <c>seeded</c>, <c>left</c> ∈ [1, 624] and <c>next</c> ≤ 624.
    /// </summary>
    private static void SetGeneratorState(torch.Generator generator, byte[] state)
    {
        long expected;
        using (var current = generator.get_state())
        {
            expected = current.numel();
        }
        if (state.Length != expected)
        {
            throw new InvalidDataException($"the generator state is {state.Length} bytes; this {generator.device} generator's state is {expected} bytes");
        }
        if (generator.device.type == DeviceType.CPU && state.Length == CpuStateBytes)
        {
            // CPUGeneratorImplState: the_initial_seed u64, left i32, seeded i32, next u64, state u64[624], ...
            int left = BinaryPrimitives.ReadInt32LittleEndian(state.AsSpan(8));
            int seeded = BinaryPrimitives.ReadInt32LittleEndian(state.AsSpan(12));
            uint next = (uint)BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(16));
            if (seeded == 0 || left < 1 || left > MersenneStateWords || next > MersenneStateWords)
            {
                throw new InvalidDataException($"the generator state is not a valid mt19937 state (seeded {seeded}, left {left}, next {next})");
            }
        }
        using var t = torch.tensor(state, dtype: torch.ScalarType.Byte);
        generator.set_state(t);
    }

    private const int CpuStateBytes = 5056;
    private const int MersenneStateWords = 624;
}
