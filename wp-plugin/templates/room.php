<?php
/**
 * [whieda_live_room]: the live room. Variables: $view (see Whieda_Room_Page::render()).
 * Every part carries data-show-when: the statuses it is shown in (assets/js/whieda-pages.js).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

if ( 'room' !== $view['state'] ) : ?>
	<div class="whieda-room whieda-room--<?php echo esc_attr( $view['state'] ); ?>">
		<?php if ( 'login' === $view['state'] ) : ?>
			<p class="whieda-notice"><?php esc_html_e( 'Комната вебинара доступна участникам после входа на сайт.', 'whieda-bridge' ); ?></p>
			<p><a class="whieda-button" href="<?php echo esc_url( $view['login_url'] ); ?>"><?php esc_html_e( 'Войти', 'whieda-bridge' ); ?></a>
				<a class="whieda-link" href="<?php echo esc_url( $view['schedule'] ); ?>"><?php esc_html_e( 'Расписание вебинаров', 'whieda-bridge' ); ?></a></p>
		<?php elseif ( 'no_lead' === $view['state'] ) : ?>
			<p class="whieda-notice"><?php esc_html_e( 'Чтобы войти в комнату вебинара, нужна заявка участника, а у этой учётной записи её пока нет. Оставьте заявку — это займёт минуту, и комната откроется.', 'whieda-bridge' ); ?></p>
			<p><a class="whieda-button" href="<?php echo esc_url( $view['lead_form'] ); ?>"><?php esc_html_e( 'Оставить заявку', 'whieda-bridge' ); ?></a>
				<a class="whieda-link" href="<?php echo esc_url( $view['schedule'] ); ?>"><?php esc_html_e( 'Расписание вебинаров', 'whieda-bridge' ); ?></a></p>
		<?php else : ?>
			<p class="whieda-notice"><?php esc_html_e( 'Сейчас нет вебинара, в который можно войти.', 'whieda-bridge' ); ?></p>
			<p><a class="whieda-button" href="<?php echo esc_url( $view['schedule'] ); ?>"><?php esc_html_e( 'Расписание вебинаров', 'whieda-bridge' ); ?></a></p>
		<?php endif; ?>
	</div>
	<?php
	return;
endif;

$webinar  = $view['webinar'];
$room     = $view['room'];
$status   = $room['status'];
$external = in_array( $webinar['stream_type'], Whieda_Room_Route::EXTERNAL_CHAT, true );
$when     = Whieda_Webinar_View::when( $webinar );
$hidden   = function ( $statuses ) use ( $status ) {
	echo in_array( $status, $statuses, true ) ? '' : ' hidden';
};
?>
<div class="whieda-room alignwide" data-whieda-room data-status="<?php echo esc_attr( $status ); ?>" data-webinar="<?php echo esc_attr( (string) $webinar['id'] ); ?>">
	<header class="whieda-room__header">
		<p class="whieda-badge whieda-badge--live"><?php echo esc_html( Whieda_Webinar_View::kind_label( $webinar ) ); ?></p>
		<h2 class="whieda-room__title"><?php echo esc_html( $webinar['title'] ); ?></h2>
		<p class="whieda-room__status" role="status" aria-live="polite">
			<span data-show-when="scheduled"<?php $hidden( array( 'scheduled' ) ); ?>>
				<?php
				echo esc_html(
					'' !== $when
						/* translators: %s: date and time of the start. */
						? sprintf( __( 'Эфир ещё не начался. Начало: %s. Страница обновится сама.', 'whieda-bridge' ), $when )
						: __( 'Эфир ещё не начался. Страница обновится сама, когда спикер его начнёт.', 'whieda-bridge' )
				);
				?>
			</span>
			<span data-show-when="live"<?php $hidden( array( 'live' ) ); ?>><span class="whieda-dot" aria-hidden="true"></span><?php esc_html_e( 'Идёт прямой эфир', 'whieda-bridge' ); ?></span>
			<span data-show-when="ended"<?php $hidden( array( 'ended' ) ); ?>><?php esc_html_e( 'Эфир завершён.', 'whieda-bridge' ); ?></span>
		</p>
		<p class="whieda-room__offline" data-whieda-offline hidden><?php esc_html_e( 'Нет связи с сервером — пробуем снова…', 'whieda-bridge' ); ?></p>
	</header>

	<div class="whieda-room__waiting" data-show-when="scheduled"<?php $hidden( array( 'scheduled' ) ); ?>>
		<?php if ( $webinar['starts_at'] > time() ) : ?>
			<p class="whieda-countdown" data-whieda-countdown="<?php echo esc_attr( (string) $webinar['starts_at'] ); ?>" hidden></p>
		<?php endif; ?>
		<?php if ( '' !== $webinar['poster'] ) : ?>
			<img class="whieda-room__poster" src="<?php echo esc_url( $webinar['poster'] ); ?>" alt="">
		<?php endif; ?>
		<?php // Telegram and calendars (issue 15): templates/telegram-connect.php, templates/calendar-links.php. ?>
		<?php echo Whieda_Calendar::links( $webinar ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in its template. ?>
		<?php echo Whieda_Telegram_Link::offer( Whieda_Room_Route::current_lead_id(), __( 'Подключите Telegram, чтобы получить напоминание и ссылку на комнату, когда эфир начнётся.', 'whieda-bridge' ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in its template. ?>
	</div>

	<div class="whieda-room__live" data-show-when="live"<?php $hidden( array( 'live' ) ); ?>>
		<?php // Each embed's box is there even when empty: a page made before the speaker set one fills it at the start (data-whieda-embed). ?>
		<div class="whieda-room__grid<?php echo $external || '' === trim( $webinar['chat_embed'] ) ? ' whieda-room__grid--single' : ''; ?>">
			<div class="whieda-room__player" data-whieda-embed="player_embed">
				<?php if ( '' !== trim( $webinar['player_embed'] ) ) : ?>
					<?php echo Whieda_Webinar_View::embed( $webinar['player_embed'] ); // phpcs:ignore WordPress.Security.EscapeOutput -- kses'd. ?>
				<?php else : ?>
					<p class="whieda-notice"><?php esc_html_e( 'Плеер эфира ещё не настроен.', 'whieda-bridge' ); ?></p>
				<?php endif; ?>
			</div>
			<?php if ( $external ) : ?>
				<aside class="whieda-room__chat whieda-room__chat--external" aria-label="<?php esc_attr_e( 'Чат эфира', 'whieda-bridge' ); ?>">
					<p>
						<?php
						/* translators: %s: the platform, Zoom or Telegram. */
						echo esc_html( sprintf( __( 'Вопросы и чат этого эфира — в %s. Эта страница останется открытой.', 'whieda-bridge' ), Whieda_Webinar_View::platform( $webinar['stream_type'] ) ) );
						?>
					</p>
					<?php if ( '' !== $webinar['external_url'] ) : ?>
						<a class="whieda-button" href="<?php echo esc_url( $webinar['external_url'] ); ?>" target="_blank" rel="noopener noreferrer">
							<?php
							/* translators: %s: the platform, Zoom or Telegram. */
							echo esc_html( sprintf( __( 'Открыть %s', 'whieda-bridge' ), Whieda_Webinar_View::platform( $webinar['stream_type'] ) ) );
							?>
							<span class="screen-reader-text"><?php esc_html_e( '(в новой вкладке)', 'whieda-bridge' ); ?></span>
						</a>
					<?php endif; ?>
				</aside>
			<?php else : ?>
				<aside class="whieda-room__chat whieda-room__chat--internal" data-whieda-embed="chat_embed" aria-label="<?php esc_attr_e( 'Чат эфира', 'whieda-bridge' ); ?>"<?php echo '' === trim( $webinar['chat_embed'] ) ? ' hidden' : ''; ?>>
					<?php echo Whieda_Webinar_View::embed( $webinar['chat_embed'] ); // phpcs:ignore WordPress.Security.EscapeOutput -- kses'd. ?>
				</aside>
			<?php endif; ?>
		</div>
		<?php
		// The CTA's label and link follow the room state (Core's last command), like its visibility.
		$cta_url   = '' !== $room['cta_url'] ? $room['cta_url'] : $webinar['cta_url'];
		$cta_label = '' !== $room['cta_label'] ? $room['cta_label'] : $webinar['cta_label'];
		?>
		<div class="whieda-room__cta" data-whieda-cta<?php echo $room['cta_visible'] && '' !== $cta_url ? '' : ' hidden'; ?>>
			<a class="whieda-button whieda-button--cta" data-default-label="<?php esc_attr_e( 'Перейти к следующему шагу', 'whieda-bridge' ); ?>" href="<?php echo esc_url( $cta_url ); ?>" target="_blank" rel="noopener"><?php echo esc_html( '' !== $cta_label ? $cta_label : __( 'Перейти к следующему шагу', 'whieda-bridge' ) ); ?></a>
		</div>
		<section class="whieda-room__presentation" data-whieda-embed="presentation" aria-label="<?php esc_attr_e( 'Презентация', 'whieda-bridge' ); ?>"<?php echo '' === trim( $webinar['presentation'] ) ? ' hidden' : ''; ?>>
			<h3><?php esc_html_e( 'Презентация', 'whieda-bridge' ); ?></h3>
			<div data-whieda-embed-body><?php echo Whieda_Webinar_View::embed( $webinar['presentation'] ); // phpcs:ignore WordPress.Security.EscapeOutput -- kses'd. ?></div>
		</section>
	</div>

	<?php Whieda_Post_Webinar::render( $view['flow'], 'ended' === $status ); ?>
</div>
