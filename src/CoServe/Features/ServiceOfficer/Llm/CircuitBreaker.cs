namespace CoServe.Features.ServiceOfficer.Llm;

public enum CircuitState
{
    Closed = 1,
    Open = 2,
    /// <summary>The open period is over and one trial call is under way.</summary>
    HalfOpen = 3,
}

/// <summary>
/// Stops calling a failing model server: after <c>failures</c> consecutive failed calls the circuit opens and every
/// message takes the model-free answer for <c>openFor</c>; then one trial call is let through, which closes the
/// circuit on success or opens it again on failure. Thread-safe.
/// </summary>
public sealed class CircuitBreaker(int failures, TimeSpan openFor, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private CircuitState _state = CircuitState.Closed;
    private int _consecutive;
    private DateTimeOffset _openUntil;

    public CircuitState State
    {
        get { lock (_lock) return _state; }
    }

    public int ConsecutiveFailures
    {
        get { lock (_lock) return _consecutive; }
    }

    /// <summary>Whether a call may go out now; false while open (or while the half-open trial is under way).</summary>
    public bool TryEnter()
    {
        lock (_lock)
        {
            switch (_state)
            {
                case CircuitState.Closed:
                    return true;
                case CircuitState.Open when clock.GetUtcNow() >= _openUntil:
                    _state = CircuitState.HalfOpen;
                    return true;
                default:
                    return false;
            }
        }
    }

    public void Success()
    {
        lock (_lock)
        {
            _state = CircuitState.Closed;
            _consecutive = 0;
        }
    }

    /// <returns>True when this failure opened the circuit.</returns>
    public bool Failure()
    {
        lock (_lock)
        {
            _consecutive++;
            if (_state == CircuitState.HalfOpen || (_state == CircuitState.Closed && _consecutive >= failures))
            {
                _state = CircuitState.Open;
                _openUntil = clock.GetUtcNow() + openFor;
                return true;
            }
            return false;
        }
    }

    /// <summary>A call that ended with neither verdict (the caller cancelled): a half-open trial may be retried at once.</summary>
    public void Abandon()
    {
        lock (_lock)
        {
            if (_state == CircuitState.HalfOpen)
            {
                _state = CircuitState.Open;
                _openUntil = clock.GetUtcNow();
            }
        }
    }
}
