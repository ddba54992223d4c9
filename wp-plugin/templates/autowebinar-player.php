<?php
/**
 * [whieda_autowebinar]: the recording's player, or why it is not shown. Variables: $view
 * (see Whieda_Autowebinar::render()). Every state carries the «Запись» label (SPEC §6).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

$badge  = __( 'Запись', 'whieda-bridge' );
$player = 'player' === $view['state'];
?>
<?php if ( $player ) : ?>
<div class="whieda-aw"
	data-api="<?php echo esc_url( $view['api'] ); ?>"
	data-token="<?php echo esc_attr( $view['token'] ); ?>"
	data-renew-url="<?php echo esc_url( $view['renew_url'] ); ?>"
	data-renew-sec="<?php echo esc_attr( (string) Whieda_Viewer_Token::RENEW_SEC ); ?>"
	data-nonce="<?php echo esc_attr( $view['nonce'] ); ?>"
	data-duration="<?php echo esc_attr( (string) $view['duration'] ); ?>"
	data-cta-at="<?php echo esc_attr( null === $view['cta_at'] ? '' : (string) $view['cta_at'] ); ?>"
	data-heartbeat="<?php echo esc_attr( (string) $view['heartbeat'] ); ?>">
<?php else : ?>
<div class="whieda-aw whieda-aw--<?php echo esc_attr( $view['state'] ); ?>">
<?php endif; ?>
	<p class="whieda-aw__header">
		<span class="whieda-aw__badge"><?php echo esc_html( $badge ); ?></span>
		<?php if ( '' !== $view['title'] ) : ?>
			<span class="whieda-aw__title"><?php echo esc_html( $view['title'] ); ?></span>
		<?php endif; ?>
	</p>
	<?php if ( 'login' === $view['state'] ) : ?>
		<p class="whieda-aw__message">
			<?php esc_html_e( 'Запись вебинара доступна после входа на сайт.', 'whieda-bridge' ); ?>
			<a href="<?php echo esc_url( $view['login_url'] ); ?>"><?php esc_html_e( 'Войти', 'whieda-bridge' ); ?></a>
		</p>
	<?php elseif ( ! $player ) : ?>
		<p class="whieda-aw__message"><?php esc_html_e( 'Запись пока недоступна.', 'whieda-bridge' ); ?></p>
		<?php if ( current_user_can( 'edit_posts' ) ) : ?>
			<p class="whieda-aw__admin-hint">
				<?php
				/* translators: %s: what is missing in the player's settings. */
				echo esc_html( sprintf( __( 'Для администратора: %s', 'whieda-bridge' ), $view['problem'] ) );
				?>
			</p>
		<?php endif; ?>
	<?php else : ?>
		<p class="whieda-aw__note"><?php esc_html_e( 'Это запись вебинара, а не прямой эфир.', 'whieda-bridge' ); ?></p>
		<div class="whieda-aw__stage">
			<?php // No controls attribute: the browser draws no seek bar; the buttons below are all there is. ?>
			<video class="whieda-aw__video" preload="metadata" playsinline disablepictureinpicture disableremoteplayback
				controlslist="nodownload noplaybackrate noremoteplayback"
				src="<?php echo esc_url( $view['video'] ); ?>"
				<?php if ( '' !== $view['poster'] ) : ?>
					poster="<?php echo esc_url( $view['poster'] ); ?>"
				<?php endif; ?>
			></video>
			<span class="whieda-aw__badge whieda-aw__badge--overlay" aria-hidden="true"><?php echo esc_html( $badge ); ?></span>
			<div class="whieda-aw__overlay">
				<button type="button" class="whieda-aw__start"><?php esc_html_e( 'Смотреть запись', 'whieda-bridge' ); ?></button>
				<p class="whieda-aw__message" role="status" aria-live="polite"></p>
			</div>
		</div>
		<div class="whieda-aw__bar" hidden>
			<button type="button" class="whieda-aw__toggle"><?php esc_html_e( 'Пауза', 'whieda-bridge' ); ?></button>
			<button type="button" class="whieda-aw__mute"><?php esc_html_e( 'Выключить звук', 'whieda-bridge' ); ?></button>
			<button type="button" class="whieda-aw__fullscreen"><?php esc_html_e( 'Во весь экран', 'whieda-bridge' ); ?></button>
			<span class="whieda-aw__time" aria-live="off"></span>
		</div>
		<?php if ( null !== $view['cta_at'] ) : ?>
			<p class="whieda-aw__cta" hidden>
				<a class="whieda-aw__cta-link" href="<?php echo esc_url( $view['cta_url'] ); ?>" target="_blank" rel="noopener"><?php echo esc_html( $view['cta_label'] ); ?></a>
			</p>
		<?php endif; ?>
		<noscript><p class="whieda-aw__message"><?php esc_html_e( 'Чтобы смотреть запись, включите JavaScript.', 'whieda-bridge' ); ?></p></noscript>
		<?php
		// Seed 001: when the recording is watched to its end, the three post-webinar screens (no forms).
		Whieda_Post_Webinar::render(
			Whieda_Post_Webinar::screens(
				array(
					'title'     => $view['title'],
					'cta_url'   => $view['cta_url'],
					'cta_label' => $view['cta_label'],
				),
				'attended'
			)
		);
		?>
	<?php endif; ?>
</div>
