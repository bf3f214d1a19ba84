using HFedMoE.Runtime.Actor.Event;

namespace HFedMoE.TestKit.Tests;

public sealed class EventStreamTests
{
    private interface IAlarm;

    private record Animal(string Name);

    private sealed record Dog(string Name) : Animal(Name), IAlarm;

    private sealed record Cat(string Name) : Animal(Name);

    [Fact]
    public void A_subscriber_receives_events_of_its_channel_type_and_every_subtype_or_implementation()
    {
        var stream = new EventStream();
        var animals = new RecordingActorRef("animals");
        var alarms = new RecordingActorRef("alarms");
        var cats = new RecordingActorRef("cats");
        stream.Subscribe(animals, typeof(Animal));
        stream.Subscribe(alarms, typeof(IAlarm));
        stream.Subscribe(cats, typeof(Cat));

        stream.Publish(new Dog("rex"));
        stream.Publish(new Cat("tom"));
        stream.Publish("unrelated");

        Assert.Equal([new Dog("rex"), new Cat("tom")], animals.Messages);
        Assert.Equal([new Dog("rex")], alarms.Messages);
        Assert.Equal([new Cat("tom")], cats.Messages);
        Assert.All(animals.Received, r => Assert.Null(r.Sender));
    }

    [Fact]
    public void A_subscriber_on_several_matching_channels_receives_each_event_once()
    {
        var stream = new EventStream();
        var sub = new RecordingActorRef("sub");
        Assert.True(stream.Subscribe(sub, typeof(Animal)));
        Assert.True(stream.Subscribe(sub, typeof(Dog)));
        Assert.True(stream.Subscribe(sub, typeof(object)));

        stream.Publish(new Dog("rex"));

        Assert.Equal([new Dog("rex")], sub.Messages);
    }

    [Fact]
    public void Subscribing_twice_to_the_same_channel_is_reported_and_changes_nothing()
    {
        var stream = new EventStream();
        var sub = new RecordingActorRef("sub");

        Assert.True(stream.Subscribe(sub, typeof(Cat)));
        Assert.False(stream.Subscribe(sub, typeof(Cat)));
        stream.Publish(new Cat("tom"));

        Assert.Single(sub.Messages);
    }

    [Fact]
    public void Unsubscribing_one_channel_keeps_the_others()
    {
        var stream = new EventStream();
        var sub = new RecordingActorRef("sub");
        stream.Subscribe(sub, typeof(Dog));
        stream.Subscribe(sub, typeof(Cat));

        Assert.True(stream.Unsubscribe(sub, typeof(Dog)));
        Assert.False(stream.Unsubscribe(sub, typeof(Dog)));
        stream.Publish(new Dog("rex"));
        stream.Publish(new Cat("tom"));

        Assert.Equal([new Cat("tom")], sub.Messages);
    }

    [Fact]
    public void Unsubscribing_a_subscriber_removes_all_its_channels_only()
    {
        var stream = new EventStream();
        var leaving = new RecordingActorRef("leaving");
        var staying = new RecordingActorRef("staying");
        stream.Subscribe(leaving, typeof(Dog));
        stream.Subscribe(leaving, typeof(Cat));
        stream.Subscribe(staying, typeof(Animal));

        stream.Unsubscribe(leaving);
        stream.Publish(new Dog("rex"));

        Assert.Empty(leaving.Messages);
        Assert.Equal([new Dog("rex")], staying.Messages);
    }

    [Fact]
    public void Subscriptions_made_after_an_event_type_was_published_take_effect()
    {
        // The per-type subscriber cache must not keep serving the old (empty) answer.
        var stream = new EventStream();
        var early = new RecordingActorRef("early");
        stream.Subscribe(early, typeof(Cat));
        stream.Publish(new Dog("rex"));

        var late = new RecordingActorRef("late");
        stream.Subscribe(late, typeof(Dog));
        stream.Publish(new Dog("fido"));

        Assert.Equal([new Dog("fido")], late.Messages);
    }

    [Fact]
    public async Task Concurrent_publishers_and_subscription_churn_never_lose_events_for_a_steady_subscriber()
    {
        var stream = new EventStream();
        var steady = new RecordingActorRef("steady");
        stream.Subscribe(steady, typeof(Animal));
        const int perThread = 2000;
        using var stop = new CancellationTokenSource();
        var churn = Task.Run(() =>
        {
            var random = new Random(42);
            var churners = Enumerable.Range(0, 8).Select(i => new RecordingActorRef("c" + i)).ToArray();
            while (!stop.IsCancellationRequested)
            {
                var c = churners[random.Next(churners.Length)];
                if (random.Next(2) == 0)
                {
                    stream.Subscribe(c, random.Next(2) == 0 ? typeof(Dog) : typeof(Animal));
                }
                else
                {
                    stream.Unsubscribe(c);
                }
            }
        });

        Parallel.For(0, 2, t =>
        {
            for (int i = 0; i < perThread; i++)
            {
                stream.Publish(new Dog($"{t}-{i}"));
            }
        });
        stop.Cancel();
        await churn;

        Assert.Equal(2 * perThread, steady.Messages.Count);
        Assert.Equal(2 * perThread, steady.Messages.Distinct().Count());
    }

    [Fact]
    public void Null_arguments_are_rejected()
    {
        var stream = new EventStream();
        Assert.Throws<ArgumentNullException>(() => stream.Subscribe(null!, typeof(Dog)));
        Assert.Throws<ArgumentNullException>(() => stream.Subscribe(new RecordingActorRef("x"), null!));
        Assert.Throws<ArgumentNullException>(() => stream.Publish(null!));
    }
}
