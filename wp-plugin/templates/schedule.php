<?php
/**
 * [whieda_webinar_public]: the schedule. Variables: $view (see Whieda_Schedule_Page::render()).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;
?>
<section class="whieda-schedule alignwide" aria-labelledby="whieda-schedule-title">
	<h2 id="whieda-schedule-title" class="whieda-schedule__title"><?php esc_html_e( 'Расписание вебинаров', 'whieda-bridge' ); ?></h2>
	<?php if ( ! $view['logged_in'] ) : ?>
		<div class="whieda-invite">
			<p><?php esc_html_e( 'Чтобы записаться на вебинар и смотреть эфир, зарегистрируйтесь на сайте — это бесплатно.', 'whieda-bridge' ); ?></p>
			<p class="whieda-invite__actions">
				<a class="whieda-button" href="<?php echo esc_url( $view['signup_url'] ); ?>"><?php esc_html_e( 'Зарегистрироваться', 'whieda-bridge' ); ?></a>
				<a class="whieda-link" href="<?php echo esc_url( $view['login_url'] ); ?>"><?php esc_html_e( 'Уже есть учётная запись? Войти', 'whieda-bridge' ); ?></a>
			</p>
		</div>
	<?php endif; ?>
	<?php if ( array() === $view['webinars'] ) : ?>
		<p class="whieda-empty"><?php esc_html_e( 'Ближайших вебинаров пока нет. Загляните позже.', 'whieda-bridge' ); ?></p>
	<?php else : ?>
		<ul class="whieda-schedule__list">
			<?php foreach ( $view['webinars'] as $webinar ) : ?>
				<?php
				$kind       = $webinar['webinar_type'];
				$registered = Whieda_Schedule_Page::is_registered( $view['user_id'], $webinar['id'] );
				$when       = Whieda_Webinar_View::when( $webinar );
				$on_air     = 'live' === $kind && 'live' === Whieda_Room_Route::read_state( $webinar['id'] )['status'];
				$room_link  = Whieda_Room_Page::url( $webinar['id'] );
				?>
				<li class="whieda-card whieda-card--<?php echo esc_attr( $kind ); ?><?php echo $on_air ? ' whieda-card--now' : ''; ?>" id="whieda-webinar-<?php echo esc_attr( (string) $webinar['id'] ); ?>">
					<?php if ( '' !== $webinar['poster'] ) : ?>
						<img class="whieda-card__poster" src="<?php echo esc_url( $webinar['poster'] ); ?>" alt="" loading="lazy">
					<?php endif; ?>
					<div class="whieda-card__body">
						<p class="whieda-badge whieda-badge--<?php echo esc_attr( $kind ); ?>"><?php echo esc_html( Whieda_Webinar_View::kind_label( $webinar ) ); ?></p>
						<h3 class="whieda-card__title"><?php echo esc_html( $webinar['title'] ); ?></h3>
						<?php if ( '' !== $when ) : ?>
							<p class="whieda-card__when">
								<time datetime="<?php echo esc_attr( gmdate( 'c', $webinar['starts_at'] ) ); ?>"><?php echo esc_html( $when ); ?></time>
							</p>
						<?php endif; ?>
						<?php if ( $on_air ) : ?>
							<p class="whieda-card__now"><span class="whieda-dot" aria-hidden="true"></span><?php esc_html_e( 'Идёт сейчас', 'whieda-bridge' ); ?></p>
						<?php elseif ( $webinar['starts_at'] > time() ) : ?>
							<p class="whieda-countdown" data-whieda-countdown="<?php echo esc_attr( (string) $webinar['starts_at'] ); ?>" hidden></p>
						<?php endif; ?>
						<?php if ( 'auto' === $kind ) : ?>
							<p class="whieda-card__note"><?php esc_html_e( 'Это запись прошедшего эфира, а не прямая трансляция.', 'whieda-bridge' ); ?></p>
						<?php endif; ?>
						<?php if ( $view['logged_in'] ) : ?>
							<?php if ( $on_air && $view['lead_id'] ) : ?>
								<p class="whieda-card__form"><a class="whieda-button" href="<?php echo esc_url( $room_link ); ?>"><?php esc_html_e( 'Войти в эфир', 'whieda-bridge' ); ?><span class="screen-reader-text"><?php echo esc_html( ': ' . $webinar['title'] ); ?></span></a></p>
							<?php elseif ( $registered ) : ?>
								<p class="whieda-card__done" <?php echo $view['just_done'] === $webinar['id'] ? 'role="status"' : ''; ?>>
									<?php esc_html_e( 'Вы записаны на этот вебинар.', 'whieda-bridge' ); ?>
									<?php if ( 'live' === $kind ) : ?>
										<a class="whieda-link" href="<?php echo esc_url( $room_link ); ?>"><?php esc_html_e( 'Перейти в комнату вебинара', 'whieda-bridge' ); ?></a>
									<?php endif; ?>
								</p>
								<?php // Telegram and calendars (issue 15): templates/telegram-connect.php, templates/calendar-links.php. ?>
								<?php echo Whieda_Calendar::links( $webinar ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in its template. ?>
								<?php echo Whieda_Telegram_Link::offer( $view['lead_id'], __( 'Подключите Telegram: пришлём подтверждение записи и напомним о начале вебинара.', 'whieda-bridge' ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in its template. ?>
							<?php elseif ( $view['lead_id'] ) : ?>
								<form class="whieda-card__form" method="post" action="<?php echo esc_url( $view['action_url'] ); ?>">
									<input type="hidden" name="action" value="<?php echo esc_attr( Whieda_Schedule_Page::ACTION ); ?>">
									<input type="hidden" name="webinar_id" value="<?php echo esc_attr( (string) $webinar['id'] ); ?>">
									<?php wp_nonce_field( Whieda_Schedule_Page::ACTION . '_' . $webinar['id'] ); ?>
									<button type="submit" class="whieda-button">
										<?php esc_html_e( 'Записаться', 'whieda-bridge' ); ?>
										<span class="screen-reader-text"><?php echo esc_html( ': ' . $webinar['title'] ); ?></span>
									</button>
								</form>
							<?php else : ?>
								<p class="whieda-card__note"><?php esc_html_e( 'Записаться на вебинар можно после заявки участника.', 'whieda-bridge' ); ?>
									<a class="whieda-link" href="<?php echo esc_url( $view['lead_form'] ); ?>"><?php esc_html_e( 'Оставить заявку', 'whieda-bridge' ); ?></a></p>
							<?php endif; ?>
						<?php else : ?>
							<p class="whieda-card__note">
								<a class="whieda-link" href="<?php echo esc_url( $view['signup_url'] ); ?>"><?php esc_html_e( 'Зарегистрируйтесь на сайте, чтобы записаться', 'whieda-bridge' ); ?></a>
							</p>
						<?php endif; ?>
					</div>
				</li>
			<?php endforeach; ?>
		</ul>
	<?php endif; ?>
	<?php if ( array() !== $view['past'] ) : ?>
		<section class="whieda-schedule__past" aria-labelledby="whieda-schedule-past">
			<h2 id="whieda-schedule-past" class="whieda-schedule__title"><?php esc_html_e( 'Прошедшие вебинары', 'whieda-bridge' ); ?></h2>
			<ul class="whieda-schedule__list">
				<?php foreach ( $view['past'] as $webinar ) : ?>
					<?php
					$when = Whieda_Webinar_View::when( $webinar );
					// The recording goes only to whom the rules give it: a lead the sidecar routed not_attended (seed 002: none for partners).
					$offer = $view['lead_id'] && '' !== $webinar['recording_url'] && 'not_attended' === Whieda_Post_Webinar::route_of( $view['lead_id'], $webinar['id'] );
					?>
					<li class="whieda-card whieda-card--ended" id="whieda-webinar-<?php echo esc_attr( (string) $webinar['id'] ); ?>">
						<?php if ( '' !== $webinar['poster'] ) : ?>
							<img class="whieda-card__poster" src="<?php echo esc_url( $webinar['poster'] ); ?>" alt="" loading="lazy">
						<?php endif; ?>
						<div class="whieda-card__body">
							<p class="whieda-badge whieda-badge--auto"><?php esc_html_e( 'Эфир завершён', 'whieda-bridge' ); ?></p>
							<h3 class="whieda-card__title"><?php echo esc_html( $webinar['title'] ); ?></h3>
							<?php if ( '' !== $when ) : ?>
								<p class="whieda-card__when"><time datetime="<?php echo esc_attr( gmdate( 'c', $webinar['starts_at'] ) ); ?>"><?php echo esc_html( $when ); ?></time></p>
							<?php endif; ?>
							<?php if ( $offer ) : ?>
								<p class="whieda-card__form"><a class="whieda-button" href="<?php echo esc_url( $webinar['recording_url'] ); ?>"><?php esc_html_e( 'Смотреть запись', 'whieda-bridge' ); ?><span class="screen-reader-text"><?php echo esc_html( ': ' . $webinar['title'] ); ?></span></a></p>
							<?php endif; ?>
						</div>
					</li>
				<?php endforeach; ?>
			</ul>
		</section>
	<?php endif; ?>
</section>
