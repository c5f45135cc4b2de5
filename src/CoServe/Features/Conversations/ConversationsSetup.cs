using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Handoffs;
using CoServe.Features.Notifications;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Conversations;

public static class ConversationsSetup
{
    /// <summary>The co-service core: timeline, conversations, handoffs, notifications, outbox. No background workers.</summary>
    public static IServiceCollection AddConversations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConversationsOptions>().Bind(configuration.GetSection(ConversationsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConversationsOptions>, ConversationsOptionsValidator>();
        services.AddOptions<HandoffOptions>().Bind(configuration.GetSection(HandoffOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HandoffOptions>, HandoffOptionsValidator>();
        services.AddOptions<CalendarOptions>().Bind(configuration.GetSection(CalendarOptions.Section));
        services.AddOptions<ClientsOptions>().Bind(configuration.GetSection(ClientsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClientsOptions>, ClientsOptionsValidator>();

        services.AddSingleton<LiveEvents>();
        services.AddSingleton<OfficerSignal>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<Organization.StaffPresence>();

        services.AddScoped<TimelineWriter>();
        services.AddScoped<TimelineQueries>();
        services.AddSingleton<TimelineSegmenter>();
        services.AddScoped<Notifier>();
        services.AddSingleton<StaffNotificationSignal>();
        services.AddOptions<WeComStaffNotificationOptions>().Bind(configuration.GetSection(WeComStaffNotificationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WeComStaffNotificationOptions>, WeComStaffNotificationOptionsValidator>();
        services.AddScoped<IStaffNotificationChannel, WeComStaffNotificationChannel>();
        services.AddScoped<HandoffRouter>();
        services.AddScoped<OpenHandoff>();
        services.AddScoped<HandoffSla>();
        services.AddSingleton<InboundCommits>();
        services.AddScoped<InboundBatch>();
        services.AddScoped<ReceiveClientMessage>();
        services.AddScoped<IInboundMessageSink>(sp => sp.GetRequiredService<ReceiveClientMessage>());
        services.AddScoped<RespondAsOfficer>();
        services.AddScoped<ConversationControl>();
        services.AddScoped<ConversationQueries>();
        services.AddScoped<CannedReplies>();
        services.TryAddScoped<IOutboundGate, ConsentGate>();
        services.TryAddScoped<IOpenComplaints, OpenComplaintTickets>();
        services.AddSingleton<IOutboundChannel, WebChatChannel>();
        services.AddScoped<Channels.WebChat.WebChatAccess>();
        services.AddScoped<Channels.WebChat.WebChatView>();
        return services;
    }

    /// <summary>The web app's background workers: the service officer, the outbox, the SLA monitor, staff notifications over WeCom.</summary>
    public static IServiceCollection AddConversationWorkers(this IServiceCollection services)
    {
        services.AddSingleton<OfficerWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<OfficerWorker>());
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        services.AddHostedService<HandoffSlaWorker>();
        services.AddSingleton<StaffNotificationDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<StaffNotificationDispatcher>());
        return services;
    }
}
